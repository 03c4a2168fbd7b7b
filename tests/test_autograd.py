"""autograd: record/pause/modes, backward with head gradients, grad_req, higher order, Function."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd


def test_introduction_example_gives_four_y():
    Y = nd.array([[1.0, 2.0], [3.0, 4.0]])
    Y.attach_grad()
    with autograd.record():
        B = (Y * 2) * Y
    B.backward()
    np.testing.assert_allclose(Y.grad.asnumpy(), 4 * Y.asnumpy())


def test_head_gradients_and_multiple_heads():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
        z = x * 3
    autograd.backward([y, z], [nd.array([1.0, 0.5, 0.0]), nd.ones((3,))])
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * np.array([1, 2, 3]) * [1, 0.5, 0] + 3)


def test_modes_and_switches():
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
        with autograd.predict_mode():
            assert not autograd.is_training()
    with autograd.record(train_mode=False):
        assert autograd.is_recording() and not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training()
    assert autograd.set_recording(True) is False
    assert autograd.set_recording(False) is True


def test_paused_operations_are_constants():
    x = nd.array([2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
        with autograd.pause():
            c = x * 10
        z = y * c
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2 * 2 * 20])


def test_grad_req_add_accumulates_and_null_skips():
    x = nd.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with autograd.record():
            y = x * x
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 3 * 2 * np.array([1.0, 2.0]))
    w = nd.array([1.0])
    w.attach_grad(grad_req="null")
    with autograd.record():
        (w * 5).backward()
    assert w.grad.asnumpy()[0] == 0


def test_second_order_gradient():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x * x
        dy, = autograd.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(dy.asnumpy(), 3 * x.asnumpy() ** 2)
    dy.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x.asnumpy())
    with autograd.record():
        y = x * x
    single = autograd.grad(y, x)          # one variable given as an NDArray: a list of one, as MXNet's
    assert isinstance(single, list) and len(single) == 1
    np.testing.assert_allclose(single[0].asnumpy(), 2 * x.asnumpy())


def test_backward_twice_needs_retain_graph():
    x = nd.array([1.0])
    x.attach_grad()
    with autograd.record():
        y = x * 2
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(mx.MXNetError, match="retain_graph"):
        y.backward()


def test_backward_without_recording_raises():
    x = nd.array([1.0])
    with pytest.raises(mx.MXNetError, match="record"):
        (x * 2).backward()


def test_indexing_under_record_passes_gradients():
    x = nd.array(np.arange(6.0).reshape(2, 3))
    x.attach_grad()
    with autograd.record():
        y = x[1] * 2 + x[0:1, 1:3].sum()
    y.backward()
    expected = np.zeros((2, 3))
    expected[1] = 2
    expected[0, 1:3] = 3
    np.testing.assert_allclose(x.grad.asnumpy(), expected)


class Square(autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, dy):
        x, = self.saved_tensors
        return dy * 2 * x


def test_custom_function():
    x = nd.array([1.0, -3.0])
    x.attach_grad()
    with autograd.record():
        y = Square()(x) * 3
    y.backward()
    np.testing.assert_allclose(y.asnumpy(), [3.0, 27.0])
    np.testing.assert_allclose(x.grad.asnumpy(), [6.0, -18.0])


def test_get_symbol_of_a_recorded_computation():
    x = nd.array([1.0])
    x.attach_grad()
    with autograd.record():
        y = (x + 1) * 2
    s = autograd.get_symbol(y)
    assert len(s.list_arguments()) == 1


def test_get_symbol_through_a_custom_function_writes_json():
    # MXNet writes the Function's call as a node without attributes
    import json
    x = nd.array([1.0, -3.0])
    x.attach_grad()
    with autograd.record():
        y = Square()(x) + 1
    graph = json.loads(autograd.get_symbol(y).tojson())
    ops = [node["op"] for node in graph["nodes"]]
    assert ops[0] == "null" and ops[-1] == "_plus_scalar" and len(ops) == 3
    assert "attrs" not in graph["nodes"][1] or graph["nodes"][1]["attrs"] == {}


def test_backward_skips_gradients_no_input_wants():
    """A first layer's data gradient (a col2im for convolution) is not computed when the data
    wants no gradient; it is when it does."""
    from mxnb import instrument
    ran = []
    observer = instrument.add_op_observer(lambda name, seconds: ran.append(name))
    try:
        for data_wants_grad in (False, True):
            ran.clear()
            data = nd.ones((1, 1, 5, 5))
            weight, bias = nd.ones((2, 1, 3, 3)), nd.zeros((2,))
            weight.attach_grad()
            if data_wants_grad:
                data.attach_grad()
            with autograd.record():
                out = nd.Convolution(data, weight, bias, kernel=(3, 3), num_filter=2)
            out.backward()
            assert ("_backward_Convolution_data" in ran) == data_wants_grad
            assert "_backward_Convolution_weight_columns" in ran   # reuses the forward's im2col
            np.testing.assert_allclose(weight.grad.asnumpy(), np.full((2, 1, 3, 3), 9.0))
    finally:
        instrument.remove_op_observer(observer)


def test_get_symbol_of_a_tape_through_a_hybridized_block():
    """A hybridized block's call is one tape node; the tape still lists its arguments."""
    from mxnb import gluon
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize()
    net.hybridize()
    x = nd.ones((1, 3))
    x.attach_grad()
    with autograd.record():
        y = net(x) * 2
    s = autograd.get_symbol(y)
    assert len(s.list_arguments()) == 3      # x, the weight and the bias
    assert s.list_auxiliary_states() == []


# --- gradients written into .grad -------------------------------------------------------------
def _fc_loss(x, w, scale=1.0):
    return (nd.FullyConnected(x, w, num_hidden=3, no_bias=True) * scale).sum()


def test_backward_writes_each_gradient_into_the_variables_grad():
    # backward hands a freshly computed gradient's buffer to .grad rather than copying it, and
    # only where nothing else could see the difference: the values are the same either way
    x, w = nd.ones((2, 4096)), nd.ones((3, 4096))
    w.attach_grad()
    grad = w.grad
    for scale in (1.0, 3.0):
        with autograd.record():
            loss = _fc_loss(x, w, scale)
        loss.backward()
        assert w.grad is grad                                  # the same NDArray
        assert np.array_equal(grad.asnumpy(), np.full((3, 4096), 2.0 * scale))


def test_views_and_handles_of_grad_see_every_later_gradient():
    x, w = nd.ones((2, 4096)), nd.ones((3, 4096))
    w.attach_grad()
    row = w.grad[0:1]           # a view of the gradient buffer
    handle = w.grad.handle      # the raw buffer itself
    for scale in (1.0, 3.0, 5.0):
        with autograd.record():
            loss = _fc_loss(x, w, scale)
        loss.backward()
        assert np.array_equal(row.asnumpy(), np.full((1, 4096), 2.0 * scale))
        assert np.array_equal(np.asarray(handle), np.full((3, 4096), 2.0 * scale))


def test_a_head_gradient_or_a_shared_gradient_is_never_the_grad_buffer():
    n = 4096                    # large enough for backward to consider taking the buffer
    a, b = nd.ones((n,)), nd.ones((n,))
    a.attach_grad()
    b.attach_grad()
    head = nd.array(np.arange(n, dtype=np.float32))
    with autograd.record():
        y = a + 0.0             # the head gradient passes through unchanged
    y.backward(head)
    head[:] = 7.0
    assert np.array_equal(a.grad.asnumpy(), np.arange(n, dtype=np.float32))
    with autograd.record():
        z = (a + b) * 2.0       # one gradient array for both variables
    z.backward()
    a.grad[:] = 0.0
    assert np.array_equal(b.grad.asnumpy(), np.full(n, 2.0))


def test_mark_variables_takes_grad_reqs_as_mxnet_names_it():
    x, dx = nd.ones((2,)), nd.zeros((2,))
    autograd.mark_variables([x], [dx], grad_reqs="add")
    for _ in range(2):
        with autograd.record():
            y = x * 3
        y.backward()
    np.testing.assert_allclose(dx.asnumpy(), [6.0, 6.0])


@pytest.mark.parametrize("op", [nd.radians, nd.degrees, lambda x: x * 3])
def test_second_order_through_a_gradient_made_of_constants_is_zero(op):
    # radians' gradient is og * pi / 180: no path back to x. Differentiating it again gives
    # no gradient (x.grad keeps its zeros), as MXNet 1.9.1, rather than an error.
    x = nd.array([0.5, 1.0])
    x.attach_grad()
    with autograd.record():
        y = op(x)
        first, = autograd.grad(y, x, head_grads=nd.array([2.0, 3.0]), create_graph=True,
                               retain_graph=True)
    first.backward(nd.ones((2,)))
    assert np.abs(first.asnumpy()).sum() > 0
    np.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 0.0])


def test_arrays_of_a_freed_graph_are_constants_in_a_new_recording():
    # MXNet 1.9.1: once a backward frees a graph, its arrays are outside any graph; recorded
    # with a live input they are constants, alone they record nothing
    w, x = nd.ones((2,)), nd.ones((2,))
    w.attach_grad()
    x.attach_grad()
    with autograd.record():
        y = x * 2
    y.backward()
    with autograd.record():
        z = y * w * 3            # y: from the freed graph
    z.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [6.0, 6.0])
    np.testing.assert_allclose(x.grad.asnumpy(), [2.0, 2.0])     # from the first backward only
    with autograd.record():
        alone = y * 3
    with pytest.raises(mx.base.MXNetError, match="not computed under"):
        alone.backward()


def test_a_head_gradient_takes_its_heads_dtype():
    # MXNet copies the head gradient into a buffer of the head's dtype
    x = nd.array([1.0, 2.0], dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = x * 3
    y.backward(nd.array([0.1, 0.2], dtype="float32"))
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.asnumpy(), np.float32([0.1, 0.2]).astype(np.float64) * 3)
