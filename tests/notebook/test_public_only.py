"""mxnb/notebook/ is a client of the core's public accessors only.

No `x._name` read or written on anything but a notebook class's own `self`/`cls` (nor through
getattr/hasattr/setattr with a private name, nor a private name imported from the core); and a
notebook class that subclasses a core class does not touch that class's private attributes
through `self`. IPython's display protocol (`_repr_html_`, `_ipython_display_`, ...) is public.
"""
import ast
import importlib
import inspect
import pathlib
import re

import mxnb.notebook

NOTEBOOK_DIR = pathlib.Path(mxnb.notebook.__file__).parent
SAMPLES = pathlib.Path(__file__).parent.parent / "data" / "public_only"
_PROTOCOL = re.compile(r"^_(repr_\w+|ipython_\w+)_$")
_ATTR_FUNCTIONS = {"getattr", "hasattr", "setattr", "delattr"}


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) \
        and not _PROTOCOL.match(name)


def _is_static(function):
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)


def _params(function):
    args = function.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
            + [a for a in (args.vararg, args.kwarg) if a is not None]}


class _Checker(ast.NodeVisitor):
    """Collects (line, text) for every private access that is not on a method's own self/cls."""

    def __init__(self, package_depth):
        self.problems = []
        self._owners = []      # names bound to a notebook class's instance/class in scope
        self._depth = package_depth   # relative import level that leaves mxnb/notebook

    def _allowed(self, value):
        return isinstance(value, ast.Name) and value.id in self._owners

    def visit_ClassDef(self, node):
        for item in node.body:
            args = (item.args.posonlyargs + item.args.args
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) else None)
            if args and not _is_static(item):
                # a method: its first parameter is this notebook class's instance (or class)
                saved = self._owners
                self._owners = [o for o in saved if o not in _params(item)] + [args[0].arg]
                self.generic_visit(item)
                self._owners = saved
            else:
                self.visit(item)
        for expr in node.bases + node.decorator_list + node.keywords:
            self.visit(expr)

    def visit_FunctionDef(self, node):
        # a function (or lambda) that is not a method: its parameters shadow a method's self
        saved = self._owners
        self._owners = [o for o in saved if o not in _params(node)]
        self.generic_visit(node)
        self._owners = saved

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Attribute(self, node):
        if _private(node.attr) and not self._allowed(node.value):
            self.problems.append((node.lineno, "%s.%s" % (ast.unparse(node.value), node.attr)))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if (isinstance(func, ast.Name) and func.id in _ATTR_FUNCTIONS and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                and _private(node.args[1].value) and not self._allowed(node.args[0])):
            self.problems.append((node.lineno, "%s(%s, %r)" % (func.id, ast.unparse(node.args[0]),
                                                             node.args[1].value)))
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        core = (node.level >= self._depth or
                (node.level == 0 and (node.module or "").split(".")[0] == "mxnb"
                 and not (node.module or "").startswith("mxnb.notebook")))
        if core:
            for alias in node.names:
                if _private(alias.name):
                    self.problems.append((node.lineno, "from %s%s import %s"
                                          % ("." * node.level, node.module or "", alias.name)))
        self.generic_visit(node)


def private_uses(source, package_depth=2):
    """[(line, text)] of the private accesses in `source` (a module of mxnb/notebook/, whose
    relative imports at `package_depth` dots or more reach the core)."""
    checker = _Checker(package_depth)
    checker.visit(ast.parse(source))
    return checker.problems


def _modules():
    for path in sorted(NOTEBOOK_DIR.rglob("*.py")):
        depth = len(path.relative_to(NOTEBOOK_DIR).parts) + 1   # dots that leave the package
        yield path, depth


def test_the_checker_finds_what_it_must():
    # samples of notebook-layer code, kept as text beside the other test data
    bad = (SAMPLES / "bad_sample.py.txt").read_text()
    found = [text for _, text in private_uses(bad)]
    assert found == ["from ..graph.cached_op import _CachedOpGradient", "block._children",
                     "sym._outputs", "getattr(block, '_active')", "hasattr(block, '_get_graph')",
                     "block.cached_op._program", "self._x", "other._y", "self._z", "cls._w",
                     "self._v"]
    good = (SAMPLES / "good_sample.py.txt").read_text()
    assert private_uses(good) == []


def test_notebook_layer_reads_no_private_attribute_of_the_core():
    checked = 0
    problems = []
    for path, depth in _modules():
        for line, text in private_uses(path.read_text(), depth):
            problems.append("%s:%d: %s" % (path.relative_to(NOTEBOOK_DIR.parent.parent), line, text))
        checked += 1
    assert checked > 20
    assert not problems, "private accesses from mxnb/notebook:\n" + "\n".join(problems)


def _core_private_names(cls):
    """The private attribute names a core class (and its core bases) define or use on self."""
    names = set()
    for base in cls.__mro__:
        module = base.__module__ or ""
        if not module.startswith("mxnb.") or module.startswith("mxnb.notebook"):
            continue
        names.update(n for n in vars(base) if _private(n))
        names.update(n for n in getattr(base, "__slots__", ()) if _private(n))
        try:
            source = inspect.getsource(base)
        except (OSError, TypeError):
            continue
        names.update(re.findall(r"\bself\.(_[a-zA-Z]\w*)", source))
    return names


def test_notebook_subclasses_of_core_classes_keep_off_their_private_state():
    clashes = []
    subclasses = 0
    for path, _ in _modules():
        module_name = "mxnb.notebook." + ".".join(path.relative_to(NOTEBOOK_DIR).with_suffix("").parts)
        module_name = module_name[:-len(".__init__")] if module_name.endswith(".__init__") else module_name
        try:
            module = importlib.import_module(module_name)
        except ImportError:     # an optional front end (ipywidgets, anywidget) is not installed
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            core = [b for b in cls.__mro__[1:] if (b.__module__ or "").startswith("mxnb.")
                    and not b.__module__.startswith("mxnb.notebook")]
            if not core:
                continue
            subclasses += 1
            own = set(re.findall(r"\bself\.(_[a-zA-Z]\w*)", inspect.getsource(cls)))
            shared = own & _core_private_names(core[0])
            if shared:
                clashes.append("%s.%s uses %s of %s" % (module.__name__, cls.__name__,
                                                        sorted(shared), core[0].__name__))
    assert subclasses >= 1       # the debugger's _TracedGradient(WrappedOp), at least
    assert not clashes, "\n".join(clashes)
