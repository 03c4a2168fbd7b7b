"""The fused RNN operator: forward against a step-by-step NumPy reference and against real
MXNet 1.9.1 (fixtures in tests/data/rnn), gradients (_backward_RNN) against finite differences."""
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError
from mxnb.ops.nn._rnn_layout import param_size

from .harness import Case, run_case
from .rnn_reference import rnn as rnn_reference

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "rnn")


def _inputs(mode, T=3, N=2, I=3, H=2, L=1, bidirectional=False, projection_size=None,
            lengths=None, seed=0):
    rng = np.random.RandomState(seed)
    D = 2 if bidirectional else 1
    P = projection_size or H
    attrs = {"state_size": H, "num_layers": L, "bidirectional": bidirectional, "mode": mode,
             "projection_size": projection_size}
    size = param_size(dict(attrs), I)
    arrays = [rng.uniform(-1, 1, (T, N, I)), rng.uniform(-0.7, 0.7, (size,)),
              rng.uniform(-1, 1, (L * D, N, P))]
    if mode == "lstm":
        arrays.append(rng.uniform(-1, 1, (L * D, N, H)))
    if lengths is not None:
        arrays.append(np.array(lengths, dtype=np.float64))
    return arrays, attrs


def _reference(mode, state_outputs=True, clip=None):
    def ref(data, params, h0, *rest, **attrs):
        rest = list(rest)
        c0 = rest.pop(0) if mode == "lstm" else None
        lengths = rest.pop(0) if attrs.get("use_sequence_length") else None
        outs = rnn_reference(data, params, h0, c0, lengths, mode=mode,
                             state_size=attrs["state_size"], num_layers=attrs["num_layers"],
                             bidirectional=attrs["bidirectional"],
                             projection_size=attrs.get("projection_size"), clip=clip)
        return list(outs) if state_outputs else outs[0]
    return ref


def _case(mode, name, state_outputs=True, clip=None, **kwargs):
    arrays, attrs = _inputs(mode, **kwargs)
    attrs["state_outputs"] = state_outputs
    if attrs["projection_size"] is None:
        del attrs["projection_size"]
    if kwargs.get("lengths") is not None:
        attrs["use_sequence_length"] = True
    if clip is not None:
        attrs["lstm_state_clip_min"], attrs["lstm_state_clip_max"] = clip
    n_float = len(arrays) - (1 if kwargs.get("lengths") is not None else 0)
    return Case("RNN", arrays, _reference(mode, state_outputs, clip), attrs,
                grad_inputs=list(range(n_float)), name=name, rtol=1e-4, atol=1e-5)


CASES = [
    _case("lstm", "RNN-lstm"),
    _case("lstm", "RNN-lstm-2layer-bidirectional", L=2, bidirectional=True),
    _case("lstm", "RNN-lstm-projection-bidirectional", H=3, projection_size=2, L=2,
          bidirectional=True),
    _case("gru", "RNN-gru-2layer-bidirectional", L=2, bidirectional=True),
    _case("rnn_tanh", "RNN-tanh-2layer", L=2, state_outputs=False),
    _case("rnn_relu", "RNN-relu-bidirectional", bidirectional=True),
    _case("lstm", "RNN-lstm-sequence-length-bidirectional", T=4, bidirectional=True,
          lengths=[2, 4]),
    _case("gru", "RNN-gru-sequence-length", T=4, lengths=[3, 1]),
    _case("lstm", "RNN-lstm-clip", clip=(-0.2, 0.3)),
    Case("_rnn_param_concat", [np.arange(6.0).reshape(2, 3).reshape(-1), np.arange(4.0)],
         lambda a, b, **k: np.concatenate([a, b]), {"dim": 0}),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_rnn_case(case, ctx):
    run_case(case, ctx)


def _fixture_cases():
    return sorted(f for f in os.listdir(DATA) if f.startswith("op-"))


@pytest.mark.parametrize("filename", _fixture_cases())
def test_rnn_matches_mxnet_191(filename):
    """nd.RNN on a packed vector gives what MXNet 1.9.1 gave: the parameter layout is MXNet's."""
    data = nd.load(os.path.join(DATA, filename))
    parts = filename[3:-3].split("-")
    kwargs = dict(state_size=4, num_layers=int(parts[1][0]), bidirectional="bi" in parts,
                  mode=parts[0], state_outputs=True)
    if "proj" in parts:
        kwargs["projection_size"] = 2
    inputs = [data["in%d" % i] for i in range(sum(k.startswith("in") for k in data))]
    outs = nd.RNN(*inputs, **kwargs)
    for i, out in enumerate(outs):
        np.testing.assert_allclose(out.asnumpy(), data["out%d" % i].asnumpy(), rtol=1e-4, atol=1e-5)


def test_dropout_between_layers_only_while_training():
    arrays, attrs = _inputs("lstm", T=4, N=3, H=5, L=2)
    x, params, h0, c0 = [nd.array(a) for a in arrays]
    attrs.pop("projection_size")
    plain = nd.RNN(x, params, h0, c0, **attrs).asnumpy()
    predicted = nd.RNN(x, params, h0, c0, p=0.5, **attrs).asnumpy()
    np.testing.assert_allclose(plain, predicted, rtol=1e-6)
    with autograd.train_mode():
        trained = nd.RNN(x, params, h0, c0, p=0.5, **attrs).asnumpy()
    assert np.abs(trained - plain).max() > 1e-3


def test_dropout_gradient_uses_the_same_mask():
    """With the random seed reset before each call the dropout mask repeats, so the gradient
    through dropout between layers can be checked by finite differences."""
    arrays, attrs = _inputs("gru", T=3, N=2, H=3, L=2)
    attrs.pop("projection_size")
    x0, params, h0 = arrays
    head = np.random.RandomState(5).uniform(-1, 1, (3, 2, 3))

    def loss(x_value, record=False):
        mx.random.seed(3)
        x = nd.array(x_value, dtype="float64")
        if record:
            x.attach_grad()
            with autograd.record(train_mode=True):
                out = nd.RNN(x, nd.array(params, dtype="float64"), nd.array(h0, dtype="float64"),
                             p=0.5, **attrs)
            out.backward(nd.array(head, dtype="float64"))
            return x.grad.asnumpy()
        with autograd.train_mode():
            out = nd.RNN(x, nd.array(params, dtype="float64"), nd.array(h0, dtype="float64"),
                         p=0.5, **attrs)
        return float((out.asnumpy() * head).sum())

    analytic = loss(x0, record=True)
    numeric = np.zeros_like(x0)
    for j in range(x0.size):
        plus, minus = x0.copy(), x0.copy()
        plus.reshape(-1)[j] += 1e-6
        minus.reshape(-1)[j] -= 1e-6
        numeric.reshape(-1)[j] = (loss(plus) - loss(minus)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_wrong_state_shape_names_operator_and_shapes():
    arrays, attrs = _inputs("lstm", L=2)
    attrs.pop("projection_size")
    x, params, h0, c0 = [nd.array(a) for a in arrays]
    with pytest.raises(MXNetError, match=r"RNN.*state should have shape \(2, 2, 2\), found \(1, 2, 2\)"):
        nd.RNN(x, params, h0[:1], c0, **attrs)
    with pytest.raises(MXNetError, match=r"RNN.*parameters"):
        nd.RNN(x, params[:5], h0, c0, **attrs)


def test_attribute_rules():
    arrays, attrs = _inputs("gru")
    x, params, h0 = [nd.array(a) for a in arrays]
    with pytest.raises(MXNetError, match="projection_size"):
        nd.RNN(x, params, h0, state_size=2, num_layers=1, mode="gru", projection_size=1)
    with pytest.raises(MXNetError, match="together"):
        nd.RNN(x, params, h0, state_size=2, num_layers=1, mode="gru", lstm_state_clip_min=-1.0)


def test_second_order_gradient_is_an_error():
    arrays, attrs = _inputs("rnn_tanh")
    attrs.pop("projection_size")
    x, params, h0 = [nd.array(a) for a in arrays]
    x.attach_grad()
    with autograd.record():
        out = nd.RNN(x, params, h0, **attrs)
        g, = autograd.grad(out.sum(), x, create_graph=True)
    with pytest.raises(MXNetError):
        g.sum().backward()


def test_symbol_outputs_and_arguments():
    s = mx.sym.RNN(mx.sym.var("x"), state_size=3, num_layers=1, mode="lstm", state_outputs=True,
                   use_sequence_length=True, name="rnn0")
    assert s.list_arguments() == ["x", "rnn0_parameters", "rnn0_state", "rnn0_state_cell",
                                  "rnn0_sequence_length"]
    assert s.list_outputs() == ["rnn0_output", "rnn0_state_output", "rnn0_statecell_output"]
    args, outs, _ = s.infer_shape(x=(5, 2, 4))
    assert args[1] == (4 * 3 * (4 + 3 + 2),)
    assert outs == [(5, 2, 3), (1, 2, 3), (1, 2, 3)]


def _check_backward_rnn(case, ctx):
    """nd._backward_RNN, called directly on the forward's reserve, gives the gradients of
    sum(output * head) + sum(state * head_h) + sum(cell * head_c) by finite differences."""
    from mxnb.ops import registry
    arrays, attrs = _inputs("lstm", T=3, N=2, H=2, L=2, bidirectional=True)
    attrs.pop("projection_size")
    attrs["state_outputs"] = True
    op = registry.get("RNN")
    parsed = op.parse_attrs(attrs)
    outs = op.compute(np, arrays, parsed, is_train=False)
    rng = np.random.RandomState(4)
    heads = [rng.uniform(-1, 1, o.shape) for o in outs[:3]]
    grads = nd._backward_RNN(*[nd.array(a, dtype="float64") for a in heads + arrays + [outs[3]]],
                             **attrs)
    ref = _reference("lstm")

    def loss(values):
        return sum(float((o * h).sum()) for o, h in zip(ref(*values, **attrs), heads))
    for i, (value, grad) in enumerate(zip(arrays, grads)):
        numeric = np.zeros_like(value)
        for j in range(value.size):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[i].reshape(-1)[j] += 1e-6
            minus[i].reshape(-1)[j] -= 1e-6
            numeric.reshape(-1)[j] = (loss(plus) - loss(minus)) / 2e-6
        np.testing.assert_allclose(grad.asnumpy(), numeric, rtol=1e-5, atol=1e-8)


CASES.append(Case("_backward_RNN", [], check=_check_backward_rnn, name="_backward_RNN"))
