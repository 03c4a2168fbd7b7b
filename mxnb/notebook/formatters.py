"""Registers the rich HTML views of display.py with a running IPython shell.

The core holds no notebook code: `mxnb/__init__.py` calls `register()` only when IPython is
already imported, and this module never imports IPython itself — it finds the shell through
`sys.modules`, so a plain Python process pays nothing.
"""
import sys

__all__ = ["register", "unregister", "register_formatters"]

# (module, class name, function in display.py): by dotted name so that, e.g., gluon is not
# imported just to register how its blocks look.
_TARGETS = (
    ("mxnb.ndarray.ndarray", "NDArray", "array_html"),
    ("mxnb.symbol.symbol", "Symbol", "symbol_html"),
    ("mxnb.gluon.block", "Block", "block_html"),
)

# graphviz's graphs (what mx.viz.plot_network returns) as DOT text, drawn by the extension in the
# browser; a picture is added only when Graphviz's `dot` is installed.
_DOT_TARGETS = (("graphviz.graphs", "Digraph"), ("graphviz.graphs", "Graph"))
DOT_MIME = "text/vnd.graphviz"

_registered = set()     # id() of the shells already holding our formatters


def _running_shell():
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def _html_of(function_name):
    def formatter(obj):
        from . import display
        try:
            return getattr(display, function_name)(obj)
        except Exception:   # noqa: BLE001 - a display must never hide the object; IPython
            return None     # then falls back to the plain repr
    formatter.__name__ = "mxnb_" + function_name
    return formatter


def dot_bundle(graph):
    """The display data of a graphviz graph: its DOT source for mxnb's extension, an SVG picture
    when Graphviz's `dot` can draw one (its warnings kept out of the notebook), and the text."""
    bundle = {DOT_MIME: graph.source, "text/plain": "<%s %s>" % (type(graph).__name__, graph.name or "")}
    try:
        bundle["image/svg+xml"] = graph.pipe(format="svg", quiet=True).decode("utf-8")
    except Exception:   # noqa: BLE001 - no `dot` (ExecutableNotFound) or a layout failure: the
        pass            # extension still draws the DOT text in JupyterLab
    return bundle


def _dot_formatter(graph, include=None, exclude=None):
    return dot_bundle(graph)


def register(shell=None):
    """Rich HTML for NDArray, Symbol and Block in the running IPython shell.

    Returns True when the formatters are in place, False outside IPython. Safe to call again.
    """
    shell = shell or _running_shell()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    if id(shell) in _registered:
        return True
    html_formatter = shell.display_formatter.formatters["text/html"]
    for module, class_name, function_name in _TARGETS:
        html_formatter.for_type_by_name(module, class_name, _html_of(function_name))
    bundle_formatter = shell.display_formatter.mimebundle_formatter
    for module, class_name in _DOT_TARGETS:
        bundle_formatter.for_type_by_name(module, class_name, _dot_formatter)
    _registered.add(id(shell))
    return True


def unregister(shell=None):
    """Removes the formatters again (plain reprs come back)."""
    shell = shell or _running_shell()
    if shell is None or id(shell) not in _registered:
        return False
    html_formatter = shell.display_formatter.formatters["text/html"]
    bundle_formatter = shell.display_formatter.mimebundle_formatter
    targets = [(html_formatter, m, c) for m, c, _ in _TARGETS]
    targets += [(bundle_formatter, m, c) for m, c in _DOT_TARGETS]
    for formatter, module, class_name in targets:
        formatter.deferred_printers.pop((module, class_name), None)
        for cls in list(formatter.type_printers):
            if cls.__module__ == module and cls.__name__ == class_name:
                del formatter.type_printers[cls]
    _registered.discard(id(shell))
    return True


register_formatters = register
