"""`mx.AttrScope`: user attributes (`ctx_group`, `lr_mult`, ...) attached to symbols made in scope.

The scope in force is per thread, as in MXNet 1.9.1: a `with AttrScope(...)` block or an
assignment to the (deprecated) class property `AttrScope.current` in one thread leaves the
symbols other threads create alone.
"""
import collections
import threading

from ._thread_scopes import deprecated_class_property, set_thread_value, thread_value
from .base import InvalidArgumentError

__all__ = ["AttrScope", "current"]

_CURRENT_DEPRECATED = ("AttrScope.current has been deprecated. It is advised to use the `with` "
                       "statement with AttrScope.")


class _CurrentScope(type):
    """Gives `AttrScope.current`, read or assigned on the class as in MXNet (deprecated there)."""
    # Lambdas: `current` and `_set_current` are the module functions defined below.
    current = deprecated_class_property(_CURRENT_DEPRECATED, lambda: current(),
                                        lambda scope: _set_current(scope))


class AttrScope(metaclass=_CurrentScope):
    """Attaches attributes to every symbol created inside the scope.

    Parameters
    ----------
    **kwargs : str
        The attributes, e.g. ``ctx_group='dev1'``, ``lr_mult='0.1'``; values must be strings.

    Examples
    --------
    >>> with mx.AttrScope(ctx_group='dev1'):
    ...     x = mx.sym.var('x')
    >>> x.attr('ctx_group')
    'dev1'
    """
    _current = threading.local()   # .value: the scope in force in this thread
    # How many control-flow subgraphs each name has given (sym.contrib.foreach / while_loop /
    # cond make names unique with it), shared by all threads as in MXNet
    _subgraph_names = collections.defaultdict(int)

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise InvalidArgumentError(
                    "AttrScope: attributes must be strings, found %s=%r (%s)"
                    % (key, value, type(value).__name__))
        self._attr = kwargs
        self._old_scope = None

    def get(self, attr):
        """The scope's attributes merged under `attr` (the explicit ones win).

        Parameters
        ----------
        attr : dict or None
            Attributes given explicitly to the symbol being created.

        Returns
        -------
        dict
            The attributes the symbol gets.

        Examples
        --------
        >>> mx.AttrScope(a='1', b='2').get({'b': '3'}) == {'a': '1', 'b': '3'}
        True
        """
        if not self._attr:
            return dict(attr) if attr else {}
        merged = dict(self._attr)
        if attr:
            merged.update(attr)
        return merged

    def __enter__(self):
        self._old_scope = current()
        self._attr = dict(self._old_scope._attr, **self._attr)
        _set_current(self)
        return self

    def __exit__(self, *exc):
        _set_current(self._old_scope)


def current():
    """The AttrScope in force in the calling thread (an empty one outside any scope).

    Returns
    -------
    AttrScope
        The innermost scope entered, or last assigned to `AttrScope.current`, in this thread.

    Examples
    --------
    >>> with mx.AttrScope(group='4'):
    ...     mx.attribute.current().get(None)
    {'group': '4'}
    """
    return thread_value(AttrScope._current, AttrScope)


def _set_current(scope):
    set_thread_value(AttrScope._current, scope, AttrScope,
                     "AttrScope.current must be set to an AttrScope")
