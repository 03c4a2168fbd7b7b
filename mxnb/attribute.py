"""`mx.AttrScope`: user attributes (`ctx_group`, `lr_mult`, ...) attached to symbols made in scope."""
import threading

from .base import MXNetError

__all__ = ["AttrScope", "current"]


class AttrScope:
    _local = threading.local()

    def __init__(self, **kwargs):
        for value in kwargs.values():
            if not isinstance(value, str):
                raise MXNetError("attributes must be strings, found %r" % (value,))
        self._attr = kwargs
        self._old = None

    def get(self, attr):
        """The scope's attributes merged under `attr` (the explicit ones win)."""
        if not self._attr:
            return dict(attr) if attr else {}
        merged = dict(self._attr)
        if attr:
            merged.update(attr)
        return merged

    def __enter__(self):
        self._old = current()
        outer = self._old._attr if self._old is not None else {}
        self._attr = dict(outer, **self._attr)
        AttrScope._local.current = self
        return self

    def __exit__(self, *exc):
        AttrScope._local.current = self._old


_EMPTY = AttrScope()


def current():
    return getattr(AttrScope._local, "current", None) or _EMPTY
