"""MXNet 1.9.1 behaviours of binding and running executors: head gradients of outputs without a
gradient, extra names given to bind/simple_bind, backward without forward, optional inputs given
as None, Custom's keyword inputs, Reshape's backward shape inference and monitor names."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import sym, nd
from mxnb.base import MXNetError, ShapeError


def _bind_with_grad(symbol, x):
    grad = nd.full(x.shape, 7.0)
    exe = symbol.bind(mx.cpu(), {"x": nd.array(x)}, args_grad={"x": grad})
    return exe, grad


# --- 1. head gradients the backward pass does not read ------------------------------------------
@pytest.mark.parametrize("make, head_shape", [
    (lambda x: sym.shape_array(x), (6,)),
    (lambda x: sym.size_array(x), (3,)),
    (lambda x: sym.argmax(x, axis=1), (9,)),
    (lambda x: sym.cast(sym.shape_array(x), "float32") * 2, (7,)),
])
def test_head_gradient_of_an_output_without_gradient_may_have_any_shape(make, head_shape):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    exe, grad = _bind_with_grad(make(sym.var("x")), x)
    exe.forward(is_train=True)
    exe.backward(nd.ones(head_shape))
    np.testing.assert_array_equal(grad.asnumpy(), np.zeros((2, 3)))


def test_head_gradient_that_is_read_must_match_its_output():
    exe, _ = _bind_with_grad(sym.relu(sym.var("x")), np.ones((2, 3), np.float32))
    exe.forward(is_train=True)
    with pytest.raises(ShapeError, match=r"head gradient 0 has shape \(6,\), its output \(2, 3\)"):
        exe.backward(nd.ones((6,)))


def test_group_checks_only_the_heads_it_reads():
    x = sym.var("x")
    data = np.array([[-1.0, 2.0, 3.0], [4.0, -5.0, 6.0]], np.float32)
    exe, grad = _bind_with_grad(sym.Group([sym.shape_array(x), sym.relu(x)]), data)
    exe.forward(is_train=True)
    head = np.arange(6, dtype=np.float32).reshape(2, 3)
    exe.backward([nd.ones((5,)), nd.array(head)])
    np.testing.assert_array_equal(grad.asnumpy(), head * (data > 0))


# --- 2. bind ignores names the symbol does not take ----------------------------------------------
def test_bind_ignores_extra_names_in_args_args_grad_and_aux_states():
    x = sym.var("x")
    xv = np.array([1.0, -2.0], np.float32)
    grad = nd.zeros((2,))
    exe = (x * 3).bind(mx.cpu(), {"x": nd.array(xv), "b": None, "c": nd.ones((5,))},
                       args_grad={"x": grad, "b": None, "d": nd.ones((3,))})
    np.testing.assert_allclose(exe.forward(is_train=True)[0].asnumpy(), xv * 3)
    exe.backward(nd.ones((2,)))
    np.testing.assert_allclose(grad.asnumpy(), [3.0, 3.0])
    assert list(exe.arg_dict) == ["x"]

    bn = sym.BatchNorm(x, name="bn")
    args = {"x": nd.ones((2, 3)), "bn_gamma": nd.ones((3,)), "bn_beta": nd.zeros((3,))}
    aux = {"bn_moving_mean": nd.zeros((3,)), "bn_moving_var": nd.ones((3,)), "zz": None}
    assert bn.bind(mx.cpu(), args, aux_states=aux).forward()[0].shape == (2, 3)


def test_bind_still_requires_every_argument():
    with pytest.raises(ValueError, match=r"args is missing \['y'\]"):
        (sym.var("x") + sym.var("y")).bind(mx.cpu(), {"x": nd.ones((2,)), "z": nd.ones((2,))})


# --- 3. simple_bind ignores keywords that name no input ------------------------------------------
def test_simple_bind_ignores_keywords_that_name_no_input():
    x = sym.var("x")
    exe = sym.take(x, sym.var("i"), axis=0).simple_bind(mx.cpu(), x=(4, 2), i=(3,), axis=0,
                                                        mode="clip", b=None)
    assert {k: v.shape for k, v in exe.arg_dict.items()} == {"x": (4, 2), "i": (3,)}


# --- 4. backward without forward -----------------------------------------------------------------
def test_backward_without_forward_differentiates_the_bound_arrays():
    x = sym.var("x")
    data = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    exe, grad = _bind_with_grad(sym.repeat(x, repeats=2, axis=0), data)
    exe.backward(nd.ones((4, 2)))
    np.testing.assert_array_equal(grad.asnumpy(), np.full((2, 2), 2.0))

    exe, grad = _bind_with_grad(sym.sigmoid(x) * x, data)
    exe.backward(nd.ones((2, 2)))
    s = 1 / (1 + np.exp(-data))
    np.testing.assert_allclose(grad.asnumpy(), s * (1 - s) * data + s, rtol=1e-5)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), s * data, rtol=1e-5)


# --- 5. an optional input given as None ----------------------------------------------------------
@pytest.mark.parametrize("name", ["SequenceReverse", "SequenceMask", "SequenceLast"])
def test_sequence_symbols_take_sequence_length_none(name):
    data = sym.var("data")
    op = getattr(sym, name)
    plain = op(data, sequence_length=None, use_sequence_length=False)
    assert plain.list_arguments() == ["data"]
    x = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    got = plain.bind(mx.cpu(), {"data": nd.array(x)}).forward()[0].asnumpy()
    expected = {"SequenceReverse": x[::-1], "SequenceMask": x, "SequenceLast": x[-1]}[name]
    np.testing.assert_array_equal(got, expected)
    # with use_sequence_length, a missing sequence_length becomes a variable as usual
    used = op(data, sequence_length=None, use_sequence_length=True, name="seq")
    assert used.list_arguments() == ["data", "seq_sequence_length"]


def test_none_keyword_is_dropped_but_an_unknown_array_input_is_an_error():
    assert sym.relu(sym.var("d"), foo=None).list_arguments() == ["d"]
    np.testing.assert_array_equal(nd.relu(nd.array([-1.0, 2.0]), foo=None).asnumpy(), [0.0, 2.0])
    with pytest.raises(MXNetError, match=r"unknown input\(s\) \['foo'\]"):
        sym.relu(sym.var("d"), foo=sym.var("e"), bar=None)


# --- 6. Custom: keyword inputs and the prop's own keywords ---------------------------------------
@mx.operator.register("compat_scale_add")
class _ScaleAddProp(mx.operator.CustomOpProp):
    def __init__(self, scale="1"):
        super().__init__(need_top_grad=True)
        self.scale = float(scale)

    def list_arguments(self):
        return ["data", "other"]

    def list_auxiliary_states(self):
        return ["aux"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], [in_shape[0]]

    def create_operator(self, ctx, shapes, dtypes):
        return _ScaleAdd(self.scale)


class _ScaleAdd(mx.operator.CustomOp):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * self.scale + in_data[1] + aux[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * self.scale)
        self.assign(in_grad[1], req[1], out_grad[0])


def test_custom_takes_inputs_by_keyword_and_passes_the_rest_to_its_prop():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 5.0]), np.array([10.0, 20.0])
    got = nd.Custom(other=nd.array(b), data=nd.array(a), aux=nd.array(c),
                    op_type="compat_scale_add", scale=3)
    np.testing.assert_allclose(got.asnumpy(), a * 3 + b + c)

    s = sym.Custom(other=sym.var("y"), data=sym.var("x"), aux=sym.var("z"),
                   op_type="compat_scale_add", scale=3)
    assert s.list_arguments() == ["x", "y"] and s.list_auxiliary_states() == ["z"]
    loaded = sym.load_json(s.tojson())
    exe = loaded.bind(mx.cpu(), {"x": nd.array(a), "y": nd.array(b)},
                      aux_states={"z": nd.array(c)})
    np.testing.assert_allclose(exe.forward()[0].asnumpy(), a * 3 + b + c)
    # inputs not given become variables named after the prop's arguments
    partial = sym.Custom(sym.var("x"), op_type="compat_scale_add", name="cc")
    assert partial.list_arguments() == ["x", "cc_other"]
    assert partial.list_auxiliary_states() == ["cc_aux"]


# --- 7. Reshape: the output's shape fills the input's unknown dimension --------------------------
@pytest.mark.parametrize("src, spec, reverse, dst", [
    ((2, 3, 5, 5), (0, -1), False, (2, 75)),
    ((5, 3, 4, 5), (0, -1, 0), True, (3, 20, 5)),
    ((64,), (-4, 16, -1), False, (16, 4)),
    ((2, 3, 5, 6), (-3, -1), False, (6, 30)),
])
def test_reshape_infers_an_unknown_input_dimension_from_its_output(src, spec, reverse, dst):
    assert int(np.prod(src)) == int(np.prod(dst))
    for i in range(len(src)):
        held_out = tuple(0 if j == i else d for j, d in enumerate(src))
        net = sym.elemwise_add(sym.var("data").reshape(spec, reverse=reverse), sym.ones(dst))
        args, outs, _ = net.infer_shape(data=held_out)
        assert args == [src] and outs == [dst]


def test_reshape_cannot_fill_two_unknown_dimensions():
    net = sym.reshape(sym.var("data"), shape=(0, -1)) + sym.ones((2, 75))
    args, outs, _ = net.infer_shape_partial(data=(0, 0, 5, 5))
    assert args == [(0, 0, 5, 5)] and outs == [(2, 75)]


# --- 8. monitor names ----------------------------------------------------------------------------
def _monitored(symbol, monitor_all, **shapes):
    exe = symbol.simple_bind(mx.cpu(), grad_req="null", **shapes)
    names = []
    exe.set_monitor_callback(lambda name, arr: names.append(name), monitor_all=monitor_all)
    exe.forward(is_train=True)
    return names


def test_monitor_all_names_variables_and_node_inputs_as_mxnet():
    data = sym.var("data")
    act = sym.Activation(data, act_type="relu", name="act")
    assert _monitored(act, True, data=(2, 3)) == ["data", "act_input0", "act_output"]
    net = sym.elemwise_add(sym.FullyConnected(act, num_hidden=2, name="fc"), sym.var("b"),
                           name="add")
    assert _monitored(net, True, data=(1, 3), b=(1, 2)) == [
        "data", "act_input0", "act_output",
        "fc_data", "fc_weight", "fc_weight", "fc_bias", "fc_bias", "fc_output",
        "add_lhs", "b", "add_rhs", "add_output"]
    assert _monitored(sym.concat(data, data, dim=0, name="cc"), True, data=(2, 3)) == [
        "data", "cc_arg0", "data", "cc_arg1", "cc_output"]


def test_monitor_reports_hidden_outputs_as_mxnet():
    data = sym.var("data")
    assert _monitored(sym.BatchNorm(data, name="bn"), False, data=(2, 3)) == [
        "bn_output", "bn_mean", "bn_var"]
    assert _monitored(sym.Dropout(data, p=0.5, name="d"), True, data=(2, 3)) == [
        "data", "d_data", "d_output", "d_mask"]
    conv = sym.Convolution(data, kernel=(2, 2), num_filter=1, name="conv")
    assert _monitored(conv, False, data=(1, 1, 3, 3)) == ["conv_output"]


# --- reshape shares the output memory, as MXNet's ----------------------------------------------
def _fc_executor(rows):
    net = sym.FullyConnected(sym.var("x"), num_hidden=3, name="fc")
    exe = net.simple_bind(mx.cpu(), x=(rows, 2), grad_req="null")
    exe.arg_dict["fc_weight"][:] = nd.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    exe.arg_dict["fc_bias"][:] = 0
    return exe


def test_reshaped_executor_writes_its_outputs_into_the_original_memory():
    exe = _fc_executor(4)
    small = exe.reshape(x=(2, 2))
    small.arg_dict["x"][:] = nd.array([[1.0, 2.0], [3.0, 4.0]])
    small.forward()
    expected = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 7.0]], dtype=np.float32)
    np.testing.assert_array_equal(small.outputs[0].asnumpy(), expected)
    # the first rows of the original's output are the same memory
    np.testing.assert_array_equal(exe.outputs[0].asnumpy()[:2], expected)
    # and the original's next forward shows through the reshaped one's output
    exe.arg_dict["x"][:] = nd.array(np.arange(8, dtype=np.float32).reshape(4, 2))
    exe.forward()
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    full = np.stack([x[:, 0], x[:, 1], x.sum(axis=1)], axis=1)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), full)
    np.testing.assert_array_equal(small.outputs[0].asnumpy(), full[:2])


def test_reshape_that_grows_allocates_new_output_memory():
    exe = _fc_executor(2)
    exe.arg_dict["x"][:] = 1
    exe.forward()
    big = exe.reshape(allow_up_sizing=True, x=(5, 2))
    big.arg_dict["x"][:] = 2
    big.forward()
    np.testing.assert_array_equal(big.outputs[0].asnumpy(), np.full((5, 3), 2.0) * [1, 1, 2])
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), np.full((2, 3), 1.0) * [1, 1, 2])
    assert exe.arg_dict["fc_weight"] is big.arg_dict["fc_weight"]


def test_reshaped_executors_keep_sharing_the_output_memory_over_repeated_forwards():
    # (under the threaded engine a repeated forward is pushed; sharing must survive it)
    exe = _fc_executor(4)
    small = exe.reshape(x=(2, 2))
    weight = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    for step in range(3):
        x = np.arange(8, dtype=np.float32).reshape(4, 2) + step
        exe.forward(x=nd.array(x))
        np.testing.assert_array_equal(exe.outputs[0].asnumpy(), x @ weight.T)
        np.testing.assert_array_equal(small.outputs[0].asnumpy(), (x @ weight.T)[:2])
        head = np.full((2, 2), 10.0 + step, dtype=np.float32)
        small.forward(x=nd.array(head))
        np.testing.assert_array_equal(small.outputs[0].asnumpy(), head @ weight.T)
        np.testing.assert_array_equal(exe.outputs[0].asnumpy()[:2], head @ weight.T)
        np.testing.assert_array_equal(exe.outputs[0].asnumpy()[2:], (x @ weight.T)[2:])
