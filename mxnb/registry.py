"""MXNet's `mx.registry`: the register, alias and create functions of a base class's registry.

They work over the same `NamedRegistry` the optimizers, initializers and metrics use, so
`get_create_func(mx.optimizer.Optimizer, 'optimizer')` creates what `mx.optimizer.create` does.
"""
from .named_registry import BY_BASE, NamedRegistry

__all__ = ["get_registry", "get_register_func", "get_alias_func", "get_create_func"]


def _registry_of(base_class, nickname):
    registry = BY_BASE.get(base_class)
    if registry is None:
        registry = NamedRegistry(nickname, base_class)
    return registry


def get_registry(base_class):
    """The classes registered for `base_class`, by lower-cased name.

    Parameters
    ----------
    base_class : type

    Returns
    -------
    dict
        A copy: name -> class.

    Example
    -------
    >>> 'sgd' in mx.registry.get_registry(mx.optimizer.Optimizer)
    True
    """
    registry = BY_BASE.get(base_class)
    return dict(registry.classes) if registry is not None else {}


def get_register_func(base_class, nickname):
    """A function `register(klass, name=None)` adding subclasses of `base_class` to its registry.

    Parameters
    ----------
    base_class : type
    nickname : str
        What the classes are, for messages ('optimizer').

    Returns
    -------
    function

    Example
    -------
    >>> class Shape: pass
    >>> register = mx.registry.get_register_func(Shape, 'shape')
    >>> @register
    ... class Square(Shape): pass
    >>> mx.registry.get_registry(Shape)['square'] is Square
    True
    """
    registry = _registry_of(base_class, nickname)

    def register(klass, name=None):
        return registry.register(klass, name)
    register.__doc__ = "Registers a %s class (under `name`, default its class name)." % nickname
    return register


def get_alias_func(base_class, nickname):
    """A decorator factory `alias(*aliases)` registering more names for a class.

    Parameters
    ----------
    base_class : type
    nickname : str

    Returns
    -------
    function

    Example
    -------
    >>> class Shape: pass
    >>> alias = mx.registry.get_alias_func(Shape, 'shape')
    >>> register = mx.registry.get_register_func(Shape, 'shape')
    >>> @alias('box')
    ... @register
    ... class Cube(Shape): pass
    >>> mx.registry.get_registry(Shape)['box'] is Cube
    True
    """
    registry = _registry_of(base_class, nickname)

    def alias(*aliases):
        return registry.alias(*aliases)
    return alias


def get_create_func(base_class, nickname):
    """A function `create(*args, **kwargs)` making an instance from an instance, a registered
    name, a config dict or a JSON string (see `NamedRegistry.create`).

    Parameters
    ----------
    base_class : type
    nickname : str

    Returns
    -------
    function

    Example
    -------
    >>> create = mx.registry.get_create_func(mx.optimizer.Optimizer, 'optimizer')
    >>> type(create('sgd', learning_rate=0.1)).__name__
    'SGD'
    """
    registry = _registry_of(base_class, nickname)

    def create(*args, **kwargs):
        return registry.create(*args, **kwargs)
    create.__doc__ = "Creates a %s instance from a name, a config or an instance." % nickname
    return create
