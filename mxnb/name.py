"""Automatic names for symbols (`fullyconnected0`, `_plus1`) and `Prefix` scopes, as `mx.name`.

The manager in force is per thread, as in MXNet 1.9.1: a `with NameManager():` block or an
assignment to the class property `NameManager.current` affects only the calling thread.
"""
import threading

from ._thread_scopes import deprecated_class_property, set_thread_value, thread_value

__all__ = ["NameManager", "Prefix", "current"]

_CURRENT_DEPRECATED = ("NameManager.current has been deprecated. It is advised to use the `with` "
                       "statement with NameManager.")


class _CurrentManager(type):
    """`NameManager.current`: the calling thread's manager, read (deprecated, as in MXNet) or
    assigned on the class."""
    # Lambdas: `current` and `_set_current` are the module functions defined below.
    current = deprecated_class_property(_CURRENT_DEPRECATED, lambda: current(),
                                        lambda manager: _set_current(manager), warn_on_set=False)


class NameManager(metaclass=_CurrentManager):
    """Gives each unnamed symbol `hint + counter`; used as a `with` scope.

    Examples
    --------
    >>> with mx.name.NameManager():
    ...     mx.sym.FullyConnected(mx.sym.var('x'), num_hidden=2).name
    'fullyconnected0'
    """
    _current = threading.local()   # .value: the manager in force in this thread

    def __init__(self):
        self._counter = {}
        self._old_manager = None

    def get(self, name, hint):
        """`name` if given, else `hint` followed by how many names this manager gave it before.

        Parameters
        ----------
        name : str or None
            The name the user gave.
        hint : str
            The operator's hint (`fullyconnected`, `_plus`).

        Returns
        -------
        str
            The name to use.

        Examples
        --------
        >>> manager = mx.name.NameManager()
        >>> manager.get(None, 'conv'), manager.get(None, 'conv'), manager.get('mine', 'conv')
        ('conv0', 'conv1', 'mine')
        """
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return "%s%d" % (hint, count)

    def __enter__(self):
        self._old_manager = current()
        NameManager._current.value = self
        return self

    def __exit__(self, *exc):
        NameManager._current.value = self._old_manager


class Prefix(NameManager):
    """Adds `prefix` to every name made inside the scope.

    Parameters
    ----------
    prefix : str
        What every automatic or given name starts with.

    Examples
    --------
    >>> with mx.name.Prefix('net_'):
    ...     mx.sym.FullyConnected(mx.sym.var('x'), num_hidden=2).name
    'net_fullyconnected0'
    """

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        return self._prefix + super().get(name, hint)


def current():
    """The NameManager in force in the calling thread (each thread starts with its own).

    Returns
    -------
    NameManager
        The innermost manager entered, or last assigned to `NameManager.current`, in this thread.

    Examples
    --------
    >>> with mx.name.Prefix('p_') as prefix:
    ...     mx.name.current() is prefix
    True
    """
    return thread_value(NameManager._current, NameManager)


def _set_current(manager):
    set_thread_value(NameManager._current, manager, NameManager,
                     "NameManager.current must be set to a NameManager")
