"""Classes registered by name: optimizers, initializers, metrics (MXNet's `mx.registry`)."""
import json
import warnings

from .base import MXNetError

__all__ = ["NamedRegistry", "NotRegisteredError", "RegistryConfigError"]


class NotRegisteredError(MXNetError, ValueError, AssertionError):
    """A name no class was registered under (a ValueError and an AssertionError too: MXNet's
    optimizers raise the one, its metrics and initializers the other)."""


class RegistryConfigError(MXNetError, ValueError, AssertionError):
    """A configuration `create` cannot read: bad JSON, no name in it, or extra arguments next
    to an instance or a JSON string (an AssertionError too, as MXNet asserts)."""


# base class -> its NamedRegistry (mx.registry's functions share the registries of the
# optimizers, initializers and metrics)
BY_BASE = {}


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
        self._base = None
        self.base = base
        self.classes = {}

    @property
    def base(self):
        """The class every registered class derives from (None: any class)."""
        return self._base

    @base.setter
    def base(self, klass):
        self._base = klass
        if klass is not None:       # mx.registry's functions find this registry by its base
            BY_BASE[klass] = self

    def register(self, klass, name=None):
        """Registers `klass` under `name` (default: its class name), lower-cased; a later class
        of the same name replaces it with a warning."""
        base = self.base if self.base is not None else object
        if not (isinstance(klass, type) and issubclass(klass, base)):
            raise MXNetError("register expects a%s %s class, found %r"
                             % ("n" if self.kind[0] in "aeiou" else "", self.kind, klass))
        name = (name or klass.__name__).lower()
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
        """The class registered under `name` (any case).

        Parameters
        ----------
        name : str

        Returns
        -------
        type
        """
        klass = self.classes.get(name.lower())
        if klass is None:
            raise NotRegisteredError("Cannot find %s %s; registered %ss are %s"
                                     % (self.kind, name, self.kind, sorted(self.classes)))
        return klass

    def create(self, *args, **kwargs):
        """An instance from a config, as MXNet's `registry.get_create_func` makes one.

        The config (first positional argument, else the keyword named after the kind, e.g.
        `metric=`) is one of: an instance (returned as it is); a registered name (any case),
        called with the remaining arguments; a dict, read as keyword arguments holding the name
        under the kind's keyword; a JSON string, '["name", {kwargs}]' or '{"<kind>": "name",
        ...kwargs}' (what `dumps()` and `json.dumps(get_config())` write).

        Parameters
        ----------
        *args, **kwargs
            The config, then the constructor's arguments.

        Returns
        -------
        object
            An instance of a registered class.

        Examples
        --------
        >>> reg = mx.named_registry.NamedRegistry('widget')
        >>> @reg.register
        ... class Gear:
        ...     def __init__(self, teeth=8):
        ...         self.teeth = teeth
        >>> reg.create('{"widget": "gear", "teeth": 12}').teeth
        12
        >>> reg.create('["GEAR", {"teeth": 5}]').teeth
        5
        """
        if args:
            config, args = args[0], args[1:]
        elif self.kind in kwargs:
            config = kwargs.pop(self.kind)
        else:
            raise RegistryConfigError("create: give the %s to create as the first argument or as "
                                      "%s=..., found neither" % (self.kind, self.kind))
        if self.base is not None and isinstance(config, self.base):
            if args or kwargs:
                raise RegistryConfigError("create: %r is already a %s instance; extra arguments "
                                          "%r %r are invalid" % (config, self.kind, args, kwargs))
            return config
        if isinstance(config, dict):
            return self._create_from_dict(config, repr(config))
        if not isinstance(config, str):
            raise RegistryConfigError("create: the %s must be a name, a dict, a JSON string%s, "
                                      "found %s" % (self.kind, " or an instance" if self.base
                                                    else "", type(config).__name__))
        if config.startswith(("[", "{")):
            return self._create_from_json(config, args, kwargs)
        return self.get(config)(*args, **kwargs)

    def _create_from_json(self, text, args, kwargs):
        if args or kwargs:
            raise RegistryConfigError("create: a JSON %s config takes no extra arguments, found "
                                      "%r %r" % (self.kind, args, kwargs))
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise RegistryConfigError("create: %r is not valid JSON for a %s: %s"
                                      % (text, self.kind, exc)) from None
        if isinstance(config, list):
            if len(config) != 2 or not isinstance(config[1], dict):
                raise RegistryConfigError("create: a JSON list config is [name, {kwargs}], "
                                          "found %r" % (text,))
            return self.create(config[0], **config[1])
        return self._create_from_dict(config, text)

    def _create_from_dict(self, config, shown):
        if self.kind not in config:
            raise RegistryConfigError("create: the config %s has no %r key naming the %s"
                                      % (shown, self.kind, self.kind))
        return self.create(**config)
