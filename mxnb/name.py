"""Automatic names for symbols (`fullyconnected0`, `_plus1`) and `Prefix` scopes, as `mx.name`."""
import threading

__all__ = ["NameManager", "Prefix", "current"]


class _CurrentManager(type):
    """`NameManager.current` is the manager in force, read on the class as in MXNet."""

    @property
    def current(cls):
        return current()


class NameManager(metaclass=_CurrentManager):
    """Gives each unnamed symbol `hint + counter`; used as a `with` scope."""
    _local = threading.local()

    def __init__(self):
        self._counter = {}
        self._old = None

    def get(self, name, hint):
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return "%s%d" % (hint, count)

    def __enter__(self):
        self._old = current()
        NameManager._local.current = self
        return self

    def __exit__(self, *exc):
        NameManager._local.current = self._old


class Prefix(NameManager):
    """Adds `prefix` to every name made inside the scope."""

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        return self._prefix + super().get(name, hint)


_DEFAULT = NameManager()


def current():
    return getattr(NameManager._local, "current", None) or _DEFAULT

