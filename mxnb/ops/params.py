"""Attribute kinds shared by operator definitions: `Int()`, `Shape()`, `Enum(...)`, ...

Each returns a `Param` whose parser accepts Python values and MXNet's string forms alike.
"""
from ..base import (parse_bool, parse_int, parse_float, parse_shape, parse_optional, dtype_np,
                    AttributeParseError)
from ..context import Context, cpu, gpu
from .registry import Param, REQUIRED

__all__ = ["Int", "Float", "Bool", "Shape", "OptInt", "OptFloat", "OptShape", "Enum", "DType",
           "OptDType", "Ctx", "Axis", "Str", "REQUIRED"]


def Int(default=REQUIRED, doc=""):
    return Param(parse_int, default, doc)


def Float(default=REQUIRED, doc=""):
    return Param(parse_float, default, doc)


def Bool(default=REQUIRED, doc=""):
    return Param(parse_bool, default, doc)


def Shape(default=REQUIRED, doc=""):
    return Param(parse_shape, default, doc)


def OptInt(default=None, doc=""):
    return Param(parse_optional(parse_int), default, doc)


def OptFloat(default=None, doc=""):
    return Param(parse_optional(parse_float), default, doc)


def OptShape(default=None, doc=""):
    return Param(parse_optional(parse_shape), default, doc)


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
    return Param(parse_choice, default, doc)


def DType(default="float32", doc=""):
    return Param(dtype_np, dtype_np(default) if default is not REQUIRED else REQUIRED, doc)


def OptDType(default=None, doc=""):
    return Param(parse_optional(dtype_np), default, doc)


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
