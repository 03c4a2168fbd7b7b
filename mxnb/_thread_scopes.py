"""What the per-thread scopes (`AttrScope`, `NameManager`, `Context`) share: the value in force
in the calling thread, and MXNet 1.9.1's deprecated class properties (`AttrScope.current`,
`NameManager.current`, `Context.default_ctx`) read or assigned on the class.

Imports only `base`, so the lowest layers (`context.py`) can use it.
"""
import warnings

from .base import InvalidArgumentError

__all__ = ["deprecated_class_property", "thread_value", "set_thread_value"]


def thread_value(local, make):
    """`local.value` in the calling thread, first set to `make()` while it is missing or None.

    Parameters
    ----------
    local : threading.local
        Holds the value of each thread as `.value`.
    make : callable
        Takes nothing; the thread's default value.

    Returns
    -------
    object
        The calling thread's value.

    Examples
    --------
    >>> import threading
    >>> thread_value(threading.local(), list)
    []
    """
    value = getattr(local, "value", None)
    if value is None:
        value = local.value = make()
    return value


def set_thread_value(local, value, kind, what):
    """Sets `local.value` in the calling thread to `value`, None or an instance of `kind`.

    Parameters
    ----------
    local : threading.local
        Holds the value of each thread as `.value`.
    value : kind or None
        The new value (None: the default is made on the next read).
    kind : type
        What `value` must be.
    what : str
        The start of the error message, e.g. "AttrScope.current must be set to an AttrScope".

    Raises
    ------
    InvalidArgumentError
        If `value` is neither None nor a `kind`.

    Examples
    --------
    >>> import threading
    >>> local = threading.local()
    >>> set_thread_value(local, [1], list, "must be a list"); local.value
    [1]
    """
    if value is not None and not isinstance(value, kind):
        raise InvalidArgumentError("%s, found %s" % (what, type(value).__name__))
    local.value = value


def deprecated_class_property(message, fget, fset, warn_on_set=True):
    """A property for a metaclass: reading it on the class warns `message` and returns `fget()`;
    assigning it calls `fset(value)`, warning first when `warn_on_set`.

    Parameters
    ----------
    message : str
        The `DeprecationWarning` text.
    fget : callable
        Takes nothing; what the property reads.
    fset : callable
        Takes the assigned value.
    warn_on_set : bool, default True
        Whether an assignment warns too.

    Returns
    -------
    property
        To be set as a class attribute of the metaclass.

    Examples
    --------
    >>> class _Meta(type):
    ...     answer = deprecated_class_property("old", lambda: 42, print)
    >>> class Thing(metaclass=_Meta):
    ...     pass
    >>> Thing.answer   # warns DeprecationWarning('old')
    42
    """
    # stacklevel=2: the warning points at the user's line that touched the class property.
    def getter(cls):
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return fget()

    def setter(cls, value):
        if warn_on_set:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
        fset(value)

    return property(getter, setter)
