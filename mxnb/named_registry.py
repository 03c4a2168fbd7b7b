"""Classes registered by name: optimizers, initializers, metrics (MXNet's `mx.registry`)."""
import warnings

from .base import MXNetError

__all__ = ["NamedRegistry", "NotRegisteredError"]


class NotRegisteredError(MXNetError, ValueError):
    """A name no class was registered under (a ValueError too, as MXNet raises)."""


class NamedRegistry:
    """Classes by lower-cased name: `register` (a decorator), `alias`, `get`.

    Parameters
    ----------
    kind : str
        What is registered (e.g. 'optimizer'), used in error messages.
    base : type, default None
        If given, only subclasses of it can be registered.

    Examples
    --------
    >>> reg = mx.named_registry.NamedRegistry('widget')
    >>> @reg.register
    ... class Gear:
    ...     pass
    >>> reg.get('gear') is Gear
    True
    """

    def __init__(self, kind, base=None):
        self.kind = kind
        self.base = base
        self.classes = {}

    def register(self, klass):
        """Registers `klass` under its lower-cased class name; a later class of the same name
        replaces it with a warning."""
        base = self.base if self.base is not None else object
        if not (isinstance(klass, type) and issubclass(klass, base)):
            raise MXNetError("register expects a%s %s class, found %r"
                             % ("n" if self.kind[0] in "aeiou" else "", self.kind, klass))
        name = klass.__name__.lower()
        old = self.classes.get(name)
        if old is not None and old is not klass:
            warnings.warn("New %s %s.%s is overriding existing %s %s.%s"
                          % (self.kind, klass.__module__, klass.__name__, self.kind,
                             old.__module__, old.__name__))
        self.classes[name] = klass
        return klass

    def alias(self, *aliases):
        """A decorator registering extra names for a class."""
        def register_aliases(klass):
            for name in aliases:
                self.classes[name.lower()] = klass
            return klass
        return register_aliases

    def get(self, name):
        klass = self.classes.get(name.lower())
        if klass is None:
            raise NotRegisteredError("Cannot find %s %s; registered %ss are %s"
                                     % (self.kind, name, self.kind, sorted(self.classes)))
        return klass
