"""Numpydoc docstrings for the generated `nd.*` / `sym.*` functions, built from the registry.

An operator's own docstring gives the summary (and, where it has one, its Examples section); its
inputs and its `Param` declarations (type, default, domain, doc) give the Parameters section, so
`help(nd.FullyConnected)` and Jupyter's `?` show the same facts the parser enforces.
"""
from .registry import REQUIRED

__all__ = ["operator_docstring"]

_KINDS = {
    "parse_int": "int", "parse_float": "float", "parse_bool": "boolean",
    "parse_shape": "Shape(tuple)", "parse_str": "string", "dtype_np": "dtype",
    "_parse_axis": "int or tuple of int", "_parse_ctx": "Context",
}

_FRONTS = {
    "nd": ("NDArray", "mx.nd", "out : NDArray, optional\n    The output array.\n"),
    "sym": ("Symbol", "mx.sym", "name : string, optional\n    Name of the resulting symbol.\n"),
}


def _kind(param):
    parse = param.parse
    name = getattr(parse, "__name__", "")
    optional = name.startswith("optional_")
    base = name[len("optional_"):] if optional else name
    if base == "parse_choice":
        choices = _closure_value(parse, "choices") or ()
        text = "{%s}" % ", ".join(repr(c) for c in choices if c is not None)
        optional = optional or None in choices
    else:
        text = _KINDS.get(base, "object")
    return text + (" or None" if optional else "")


def _closure_value(fn, name):
    code = getattr(fn, "__code__", None)
    if code is None or fn.__closure__ is None:
        return None
    for var, cell in zip(code.co_freevars, fn.__closure__):
        if var == name:
            return cell.cell_contents
    return None


def _split_summary(doc):
    """(summary, examples) from an operator's docstring; examples is '' when it has none."""
    marker = "\nExamples\n"
    text = doc.strip()
    if marker in text:
        head, tail = text.split(marker, 1)
        return head.strip(), "Examples\n" + tail.strip()
    return text, ""


def _input_names(op):
    if op.static_inputs is not None:
        return list(op.static_inputs)
    if op.variadic:
        return ["*data"]
    try:
        return op.input_names(dict(op.defaults))
    except Exception:   # inputs depend on a required attribute
        return ["data"]


# operators whose generated functions live in a namespace under their short name
# (`_contrib_box_nms` is mx.nd.contrib.box_nms)
_NAMESPACES = (("_contrib_", ".contrib"), ("_image_", ".image"), ("_linalg_", ".linalg"),
               ("_sparse_", ".sparse"))


def _namespace(op_name, func_name):
    """'.contrib' and the like where `func_name` is `op_name` without its namespace prefix."""
    for prefix, namespace in _NAMESPACES:
        if op_name == prefix + func_name:
            return namespace
    return ""


def operator_docstring(op, front="nd", func_name=None):
    """The numpydoc docstring of `op`'s generated function in `front` ('nd' or 'sym')."""
    array_type, module, trailer = _FRONTS[front]
    func_name = func_name or op.name
    summary, examples = _split_summary(op.doc or ("The %s operator." % op.name))
    lines = [summary, "", "Parameters", "----------"]
    for name in _input_names(op):
        lines.append("%s : %s" % (name, array_type))
        lines.append("    Input %s of %s." % (name.lstrip("*"), op.name))
    for name, param in op.params.items():
        if name == op.variadic:
            continue
        kind = _kind(param)
        if param.default is REQUIRED:
            lines.append("%s : %s, required" % (name, kind))
        else:
            lines.append("%s : %s, optional, default=%r" % (name, kind, param.default))
        detail = param.doc.strip() if param.doc else ""
        domain = getattr(param, "domain", "")
        if domain:
            detail = (detail + " " if detail else "") + "Must be %s." % domain
        if detail:
            lines.append("    " + detail)
    lines.extend(trailer.rstrip("\n").split("\n"))
    n_out = "one or more" if not op.single_output else "one"
    lines += ["", "Returns", "-------", "%s" % array_type,
              "    The result (%s output%s)." % (n_out, "" if op.single_output else "s")]
    if not examples:
        args = ", ".join(n.lstrip("*") for n in _input_names(op))
        examples = "Examples\n--------\n>>> out = %s%s.%s(%s)" % (
            module, _namespace(op.name, func_name), func_name, args)
    lines += ["", examples]
    if op.aliases:
        lines += ["", "Aliases: %s." % ", ".join(op.aliases)]
    return "\n".join(lines)
