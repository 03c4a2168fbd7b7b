"""Attribute kinds shared by operator definitions: `Int()`, `Shape()`, `Enum(...)`, ...

Each returns a `Param` whose parser accepts Python values and MXNet's string forms alike. Numbers
and shapes take their domain where they are declared, so the registry knows it and checks it
once, when attributes are parsed:

    "num_hidden": Int(doc="...", low=1)                  # an integer >= 1
    "p": Float(0.5, low=0.0, high=1.0)                   # 0 <= p <= 1
    "momentum": Float(0.9, low=0.0, high=1.0, high_open=True)   # 0 <= m < 1
    "stride": Shape((), low=1)                           # every element >= 1
"""
import numpy as np

from ..base import (parse_bool, parse_int, parse_float, parse_shape, parse_optional, dtype_np,
                    AttributeParseError)
from ..context import Context, cpu, gpu
from .registry import Param, REQUIRED

__all__ = ["Int", "Float", "Bool", "Shape", "OptInt", "OptFloat", "OptShape", "Enum", "DType",
           "OptDType", "Ctx", "Axis", "Str", "FloatTuple", "REQUIRED", "inserted"]


def _range_check(kind, low, high, low_open=False, high_open=False):
    """(check, domain) for numbers in [low, high]; None bounds are open-ended."""
    if low is None and high is None:
        return None, ""
    parts = []
    if low is not None:
        parts.append("%s %s" % (">" if low_open else ">=", low))
    if high is not None:
        parts.append("%s %s" % ("<" if high_open else "<=", high))
    domain = "%s %s" % (kind, " and ".join(parts))

    def check(value):
        if low is not None and (value < low or (low_open and value == low)):
            return "expected " + domain
        if high is not None and (value > high or (high_open and value == high)):
            return "expected " + domain
        return None
    return check, domain


def _elements_check(low, high):
    """(check, domain) for a shape whose every element lies in [low, high]."""
    scalar, domain = _range_check("integers", low, high)
    if scalar is None:
        return None, ""

    def check(value):
        if any(scalar(v) for v in value):
            return "expected a tuple of " + domain
        return None
    return check, "a tuple of " + domain


def _bounds(kind, low, high, low_open=False, high_open=False):
    return None if low is None and high is None else (kind, low, high, low_open, high_open)


def Int(default=REQUIRED, doc="", low=None, high=None):
    return Param(parse_int, default, doc, *_range_check("an integer", low, high),
                 bounds=_bounds("int", low, high))


def Float(default=REQUIRED, doc="", low=None, high=None, low_open=False, high_open=False):
    return Param(parse_float, default, doc,
                 *_range_check("a number", low, high, low_open, high_open),
                 bounds=_bounds("float", low, high, low_open, high_open))


def Bool(default=REQUIRED, doc=""):
    return Param(parse_bool, default, doc, domain="a boolean", choices=(False, True))


def Shape(default=REQUIRED, doc="", low=None, high=None):
    return Param(parse_shape, default, doc, *_elements_check(low, high),
                 bounds=_bounds("shape", low, high))


def OptInt(default=None, doc="", low=None, high=None):
    return Param(parse_optional(parse_int), default, doc, *_range_check("an integer", low, high),
                 bounds=_bounds("int", low, high))


def OptFloat(default=None, doc="", low=None, high=None, low_open=False, high_open=False):
    return Param(parse_optional(parse_float), default, doc,
                 *_range_check("a number", low, high, low_open, high_open),
                 bounds=_bounds("float", low, high, low_open, high_open))


def OptShape(default=None, doc="", low=None, high=None):
    return Param(parse_optional(parse_shape), default, doc, *_elements_check(low, high),
                 bounds=_bounds("shape", low, high))


def Str(default=REQUIRED, doc=""):
    def parse_str(value):
        if not isinstance(value, str):
            raise AttributeParseError("expected a string, found %r" % (value,))
        return value
    return Param(parse_str, default, doc)


def Enum(choices, default=REQUIRED, doc=""):
    choices = tuple(choices)

    def parse_choice(value):
        if value is None and None in choices:
            return None
        text = str(value)
        if text == "None" and None in choices:
            return None
        if text not in choices:
            raise AttributeParseError("expected one of %s, found %r"
                                      % ([c for c in choices if c is not None], value))
        return text
    return Param(parse_choice, default, doc,
                 domain="one of %s" % ", ".join(repr(c) for c in choices), choices=choices)


def _parse_float_tuple(value):
    """A tuple of floats from a number, a sequence (an array included) or MXNet's "(0.5, 0.5)"."""
    if isinstance(value, str):
        value = [v for v in value.strip("()[] ").split(",") if v.strip()]
    elif not isinstance(value, (tuple, list, np.ndarray)):
        value = [value]
    try:
        return tuple(parse_float(v) for v in value)
    except TypeError:
        raise AttributeParseError("expected a tuple of numbers, found %r" % (value,)) from None


def FloatTuple(default=REQUIRED, doc=""):
    """A tuple of floats (MXNet's `tuple of <float>`): a number is a tuple of one."""
    return Param(_parse_float_tuple, default, doc)


def DType(default="float32", doc=""):
    return Param(dtype_np, dtype_np(default) if default is not REQUIRED else REQUIRED, doc,
                 domain="a dtype name")


def OptDType(default=None, doc=""):
    return Param(parse_optional(dtype_np), default, doc, domain="a dtype name or None")


def _parse_ctx(value):
    if value is None or isinstance(value, Context):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "None"):
            return None
        for name, make in (("cpu", cpu), ("gpu", gpu)):
            if text.startswith(name + "(") and text.endswith(")"):
                return make(parse_int(text[len(name) + 1:-1]))
    raise AttributeParseError("expected a context such as cpu(0), found %r" % (value,))


def Ctx(doc=""):
    return Param(_parse_ctx, None, doc)


def _parse_axis(value):
    """An axis: None, an int, or a tuple of ints (MXNet's "(0, 1)" or "()" strings too)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == "None":
            return None
        if text[:1] in "([":
            return parse_shape(text)
        return parse_int(text)
    if isinstance(value, (tuple, list)):
        return tuple(parse_int(v) for v in value)
    return parse_int(value)


def Axis(default=None, doc=""):
    return Param(_parse_axis, default, doc)


def inserted(params, name, param, before):
    """A copy of the attribute declarations `params` with `name: param` placed just before the
    attribute `before`: an operator that adds an attribute to a shared set where MXNet declares
    it, since positional attributes follow the declaration order.

    Parameters
    ----------
    params : dict
        Attribute name -> Param, in declaration order.
    name : str
        The attribute added.
    param : Param
        Its declaration.
    before : str
        The attribute of `params` it goes before.

    Returns
    -------
    dict

    Examples
    --------
    >>> list(inserted({"lr": Float(0.1), "wd": Float(0.0)}, "momentum", Float(0.0), "wd"))
    ['lr', 'momentum', 'wd']
    """
    out = {}
    for key, value in params.items():
        if key == before:
            out[name] = param
        out[key] = value
    if name not in out:
        raise KeyError("inserted: %r is not among the attributes %s" % (before, list(params)))
    return out
