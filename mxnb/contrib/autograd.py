"""`mx.contrib.autograd`: MXNet's first autograd interface, kept in MXNet 1.x for old code.

Written on `mx.autograd`: `train_section()` is `record()` (recording and training switched on
together), `test_section()` switches both off, and `grad` / `grad_and_loss` turn a function of
NDArrays into one that also returns gradients.
"""
import functools

from .. import autograd as _autograd
from ..base import FailedCheckError
from ..ndarray.ndarray import NDArray

__all__ = ["set_is_training", "TrainingStateScope", "train_section", "test_section",
           "mark_variables", "backward", "compute_gradient", "grad_and_loss", "grad"]


def set_is_training(is_train):
    """Switches training and recording on or off together.

    Parameters
    ----------
    is_train : bool
        True: operators run in training mode and are recorded for gradients; False: neither.

    Returns
    -------
    bool
        The state before the call (whether operators were being recorded).

    Examples
    --------
    >>> previous = mx.contrib.autograd.set_is_training(True)
    >>> mx.autograd.is_recording(), mx.autograd.is_training()
    (True, True)
    >>> _ = mx.contrib.autograd.set_is_training(previous)
    """
    _autograd.set_training(is_train)
    return _autograd.set_recording(is_train)


class TrainingStateScope(_autograd._Scope):
    """A `with` scope in which training and recording are both `enter_state`; the state before
    is restored on exit.

    Parameters
    ----------
    enter_state : bool
        The state inside the scope.

    Examples
    --------
    >>> with mx.contrib.autograd.TrainingStateScope(True):
    ...     print(mx.autograd.is_recording())
    True
    """
    __slots__ = ()

    def __init__(self, enter_state):
        super().__init__(bool(enter_state), bool(enter_state))

    def __enter__(self):        # as MXNet's: `with ... as x` binds None
        super().__enter__()


def train_section():
    """A scope that records operators for gradients, in training mode.

    Returns
    -------
    TrainingStateScope

    Examples
    --------
    >>> x = mx.nd.ones((2,)); dx = mx.nd.zeros((2,))
    >>> mx.contrib.autograd.mark_variables([x], [dx])
    >>> with mx.contrib.autograd.train_section():
    ...     y = x * 3
    >>> mx.contrib.autograd.compute_gradient([y])
    >>> dx.asnumpy()
    array([3., 3.], dtype=float32)
    """
    return TrainingStateScope(True)


def test_section():
    """A scope that neither records nor trains (for evaluation inside a `train_section`).

    Returns
    -------
    TrainingStateScope

    Examples
    --------
    >>> with mx.contrib.autograd.train_section():
    ...     with mx.contrib.autograd.test_section():
    ...         print(mx.autograd.is_recording(), mx.autograd.is_training())
    False False
    """
    return TrainingStateScope(False)


def mark_variables(variables, gradients, grad_reqs="write"):
    """Marks NDArrays as variables whose gradients are written into `gradients`.

    Parameters
    ----------
    variables : list of NDArray
        The arrays to differentiate with respect to.
    gradients : list of NDArray
        One array per variable, where its gradient goes.
    grad_reqs : str or list of str, optional
        'write' (default), 'add' or 'null': for all variables, or one per variable.

    Examples
    --------
    >>> x = mx.nd.ones((2,)); dx = mx.nd.zeros((2,))
    >>> mx.contrib.autograd.mark_variables([x], [dx], grad_reqs='add')
    """
    _autograd.mark_variables(variables, gradients, grad_reqs)


def backward(outputs, out_grads=None, retain_graph=False):
    """Computes the gradients of `outputs` with respect to the marked variables.

    Parameters
    ----------
    outputs : list or tuple of NDArray
        The recorded outputs to differentiate.
    out_grads : list of NDArray or None, optional
        The head gradient of each output (None, or a None entry: ones).
    retain_graph : bool, optional
        Keep the recorded graph for another backward pass.

    Raises
    ------
    AssertionError
        (an MXNetError too) when `outputs` is not a list or tuple, or `out_grads` is not as
        long as it.

    Examples
    --------
    >>> x = mx.nd.ones((2,)); dx = mx.nd.zeros((2,))
    >>> mx.contrib.autograd.mark_variables([x], [dx])
    >>> with mx.contrib.autograd.train_section():
    ...     y = x * x
    >>> mx.contrib.autograd.backward([y], [mx.nd.array([1, 2])])
    >>> dx.asnumpy()
    array([2., 4.], dtype=float32)
    """
    if not isinstance(outputs, (list, tuple)):
        raise FailedCheckError("contrib.autograd.backward: outputs must be a list or tuple of "
                               "NDArrays, found %s" % type(outputs).__name__)
    if out_grads is not None and len(out_grads) != len(outputs):
        raise FailedCheckError("contrib.autograd.backward: %d outputs but %d out_grads; give "
                               "one (or None) per output" % (len(outputs), len(out_grads)))
    _autograd.backward(list(outputs), None if out_grads is None else list(out_grads),
                       retain_graph=retain_graph)


def compute_gradient(outputs):
    """`backward(outputs)` (MXNet's deprecated name).

    Parameters
    ----------
    outputs : list or tuple of NDArray
        The recorded outputs to differentiate.

    Examples
    --------
    >>> x = mx.nd.ones((2,)); dx = mx.nd.zeros((2,))
    >>> mx.contrib.autograd.mark_variables([x], [dx])
    >>> with mx.contrib.autograd.train_section():
    ...     y = x + 1
    >>> mx.contrib.autograd.compute_gradient([y])
    """
    backward(outputs)


def _differentiated(args, argnum):
    """The arguments `argnum` picks (an int, a list of ints, or None for all), all NDArrays."""
    if argnum is None:
        chosen = list(args)
    else:
        chosen = [args[i] for i in (argnum if isinstance(argnum, list) else [argnum])]
    for x in chosen:
        if not isinstance(x, NDArray):
            raise FailedCheckError("contrib.autograd: the arguments to differentiate must be "
                                   "NDArrays, found %s" % type(x).__name__)
    return chosen


def grad_and_loss(func, argnum=None):
    """A function that computes `func` and its gradients with respect to its arguments.

    Parameters
    ----------
    func : callable
        A function of NDArrays returning an NDArray (the loss) or a list of them.
    argnum : int or list of int, optional
        The arguments to differentiate with respect to (default: all).

    Returns
    -------
    callable
        `wrapped(*args)` returning `(gradients, outputs)`: a list with one gradient per chosen
        argument, and what `func` returned.

    Examples
    --------
    >>> f = mx.contrib.autograd.grad_and_loss(lambda x: x * x)
    >>> grads, loss = f(mx.nd.array([1, 2]))
    >>> grads[0].asnumpy(), loss.asnumpy()
    (array([2., 4.], dtype=float32), array([1., 4.], dtype=float32))
    """
    @functools.wraps(func)
    def wrapped(*args):
        variables = _differentiated(args, argnum)
        grads = [x.zeros_like() for x in variables]
        mark_variables(variables, grads)
        with train_section():
            outputs = func(*args)
        compute_gradient([outputs] if isinstance(outputs, NDArray) else outputs)
        return grads, outputs
    return wrapped


def grad(func, argnum=None):
    """A function that computes the gradients of `func` with respect to its arguments.

    Parameters
    ----------
    func : callable
        A function of NDArrays returning an NDArray (the loss) or a list of them.
    argnum : int or list of int, optional
        The arguments to differentiate with respect to (default: all).

    Returns
    -------
    callable
        `wrapped(*args)` returning a list with one gradient per chosen argument.

    Examples
    --------
    >>> g = mx.contrib.autograd.grad(lambda x, y: x * y, argnum=1)
    >>> g(mx.nd.array([3, 4]), mx.nd.array([1, 1]))[0].asnumpy()
    array([3., 4.], dtype=float32)
    """
    grad_with_loss = grad_and_loss(func, argnum)

    @functools.wraps(grad_with_loss)
    def wrapped(*args):
        return grad_with_loss(*args)[0]
    return wrapped
