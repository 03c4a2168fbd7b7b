"""The compiled optimizer updates (ops/optimizer_update/_compiled.py) against their NumPy forms:
the same inputs through both, several steps, bit-equal weights and states; and the cases that
must keep the NumPy form (float16, mixed dtypes, strided arrays)."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import compiled
from mxnb.ops import registry
from mxnb.ops.optimizer_update import _compiled
from mxnb.ops.optimizer_update._common import IN_PLACE
from .compiled_forms import needs_numba

pytestmark = needs_numba

# op -> (states, attributes besides lr/wd/rescale_grad/clip); what each optimizer passes
SINGLE = {
    "sgd_update": (0, {}),
    "sgd_mom_update": (1, {"momentum": 0.9}),
    "nag_mom_update": (1, {"momentum": 0.9}),
    "mp_nag_mom_update": (2, {"momentum": 0.9}),       # the NAG optimizer: weight32 = weight
    "signsgd_update": (0, {}),
    "signum_update": (1, {"momentum": 0.9, "wd_lh": 0.01}),
    "adam_update": (2, {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}),
    "rmsprop_update": (1, {"gamma1": 0.9, "epsilon": 1e-6, "clip_weights": 0.6}),
    "rmspropalex_update": (3, {"gamma1": 0.9, "gamma2": 0.8, "epsilon": 1e-6}),
    "ftrl_update": (2, {"lamda1": 0.05, "beta": 1.5}),
    "ftml_update": (3, {"beta1": 0.6, "beta2": 0.99, "epsilon": 1e-6, "t": 3}),
}


def _bits(a):
    return np.ascontiguousarray(a).view("u%d" % a.dtype.itemsize)


def _inputs(name, states, dtype, seed):
    r = np.random.RandomState(seed)
    weight = r.uniform(-1, 1, (9, 7)).astype(dtype)
    grad = r.uniform(-3, 3, (9, 7)).astype(dtype)
    grad[0, :3] = 0.0                                   # sign(0) and clip at zero
    grad[1, :2] = (-0.0, 1e-30)
    rest = [r.uniform(0.1, 1, (9, 7)).astype(dtype) for _ in range(states)]
    arrays = [weight, grad] + rest
    if name == "mp_nag_mom_update":
        arrays[3] = weight
    return arrays


def _copies(arrays, name):
    out = [a.copy() for a in arrays]
    if name == "mp_nag_mom_update":
        out[3] = out[0]
    return out


def _attrs(name, extra, clip, wd):
    attrs = dict(extra, lr=0.05, wd=wd, rescale_grad=0.5)
    attrs["clip_grad" if name == "ftml_update" else "clip_gradient"] = clip
    return registry.get(name).parse_attrs(attrs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("clip,wd", [(-1.0, 0.0), (0.4, 0.0), (-1.0, 0.01), (0.4, 0.01)])
@pytest.mark.parametrize("name", sorted(SINGLE))
def test_in_place_compiled_update_is_bit_equal_to_the_numpy_form(name, clip, wd, dtype):
    states, extra = SINGLE[name]
    attrs = _attrs(name, extra, clip, wd)
    arrays = _inputs(name, states, dtype, seed=len(name))
    fast, slow = _copies(arrays, name), _copies(arrays, name)
    for _ in range(3):
        with compiled.use_compiled(True):
            assert _compiled.usable(np, fast, fast[0])
            assert IN_PLACE[name](np, fast, attrs, [fast[0]])[0] is fast[0]
        with compiled.use_compiled(False):
            IN_PLACE[name](np, slow, attrs, [slow[0]])
    for k, (a, b) in enumerate(zip(fast, slow)):
        np.testing.assert_array_equal(_bits(a), _bits(b), err_msg="%s input %d" % (name, k))
    assert not np.array_equal(fast[0], arrays[0])        # it did move


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_compiled_compute_returns_a_fresh_weight_bit_equal_to_the_numpy_form(name):
    states, extra = SINGLE[name]
    attrs = _attrs(name, extra, 0.4, 0.01)
    arrays = _inputs(name, states, "float32", seed=1)
    fast, slow = _copies(arrays, name), _copies(arrays, name)
    op = registry.get(name)
    with compiled.use_compiled(True):
        new = op.compute(np, fast, attrs)
    with compiled.use_compiled(False):
        expected = op.compute(np, slow, attrs)
    np.testing.assert_array_equal(_bits(new), _bits(expected))
    for k, (a, b) in enumerate(zip(fast, slow)):
        np.testing.assert_array_equal(_bits(a), _bits(b), err_msg="%s input %d" % (name, k))
    if name != "mp_nag_mom_update":                      # its master copy is the weight here
        np.testing.assert_array_equal(fast[0], arrays[0])  # the weight is left as it was
        assert not np.shares_memory(new, fast[0])


@pytest.mark.parametrize("name,group,extra", [
    ("multi_sgd_update", 2, {"lrs": (0.1, 0.2, 0.05), "wds": (0.01, 0.0, 0.02)}),
    ("multi_sgd_mom_update", 3, {"lrs": (0.1, 0.2, 0.05), "wds": (0.01, 0.0, 0.02),
                                 "momentum": 0.9}),
    ("preloaded_multi_sgd_update", 2, {}),
    ("preloaded_multi_sgd_mom_update", 3, {"momentum": 0.9})])
@pytest.mark.parametrize("clip", [-1.0, 0.4])
def test_aggregated_compiled_updates_are_bit_equal_to_the_numpy_form(name, group, extra, clip):
    r = np.random.RandomState(5)
    shapes = [(6, 5), (6,), (3, 2, 2)]
    arrays = []
    for s in shapes:
        arrays += [r.uniform(-1, 1, s).astype("float32"), r.uniform(-3, 3, s).astype("float32")]
        arrays += [r.uniform(0.1, 1, s).astype("float32") for _ in range(group - 2)]
    if name.startswith("preloaded"):
        arrays += [np.array([0.1, 0.2, 0.05], "float32"), np.array([0.01, 0.0, 0.02], "float32")]
    attrs = registry.get(name).parse_attrs(dict(extra, num_weights=3, rescale_grad=0.5,
                                                clip_gradient=clip))
    fast, slow = [a.copy() for a in arrays], [a.copy() for a in arrays]
    for _ in range(3):
        with compiled.use_compiled(True):
            got = IN_PLACE[name](np, fast, attrs, fast[0:3 * group:group])
        assert all(g is w for g, w in zip(got, fast[0:3 * group:group]))
        with compiled.use_compiled(False):
            IN_PLACE[name](np, slow, attrs, slow[0:3 * group:group])
    for k, (a, b) in enumerate(zip(fast, slow)):
        np.testing.assert_array_equal(_bits(a), _bits(b), err_msg="%s input %d" % (name, k))
    with compiled.use_compiled(True):
        fresh = registry.get(name).compute(np, [a.copy() for a in arrays], attrs)
    with compiled.use_compiled(False):
        expected = registry.get(name).compute(np, [a.copy() for a in arrays], attrs)
    for a, b in zip(fresh, expected):
        np.testing.assert_array_equal(_bits(a), _bits(b))


def _refuse(*args):
    raise AssertionError("the compiled loop ran where the NumPy form must")


@pytest.mark.parametrize("case", ["float16", "float32 state of a float64 weight", "strided",
                                  "cupy-like xp", "disabled"])
def test_the_numpy_form_runs_where_the_compiled_loops_do_not_apply(case, monkeypatch):
    monkeypatch.setattr(_compiled, "_sgd_mom_loop", _refuse)
    r = np.random.RandomState(2)
    w, g, m = (r.uniform(-1, 1, (4, 6)) for _ in range(3))
    if case == "float16":
        w, g, m = (a.astype("float16") for a in (w, g, m))
    elif case == "float32 state of a float64 weight":
        m = m.astype("float32")
    elif case == "strided":
        w = np.asfortranarray(w)
    xp = np
    if case == "cupy-like xp":
        class _NotNumpy:            # any array module other than NumPy itself
            def __getattr__(self, name):
                return getattr(np, name)
        xp = _NotNumpy()
    attrs = registry.get("sgd_mom_update").parse_attrs({"lr": 0.1, "momentum": 0.9})
    expected_w, expected_m = w.copy(), m.copy()
    with compiled.use_compiled(False):
        IN_PLACE["sgd_mom_update"](np, [expected_w, g, expected_m], attrs, [expected_w])
    with compiled.use_compiled(case != "disabled"):
        IN_PLACE["sgd_mom_update"](xp, [w, g, m], attrs, [w])
    np.testing.assert_array_equal(w, expected_w)
    np.testing.assert_array_equal(m, expected_m)


@pytest.mark.parametrize("optimizer,kwargs", [
    ("sgd", {"momentum": 0.9, "wd": 1e-3, "clip_gradient": 0.3}),
    ("sgd", {"wd": 1e-3}),
    ("nag", {"momentum": 0.9, "wd": 1e-3}),
    ("adam", {"wd": 1e-3, "clip_gradient": 0.3}),
    ("rmsprop", {"centered": True, "clip_weights": 0.7}),
    ("signum", {"momentum": 0.9, "wd_lh": 1e-3}),
    ("ftrl", {}), ("ftml", {}), ("lamb", {"wd": 1e-3})])
def test_an_updater_trains_the_same_bits_compiled_or_not(optimizer, kwargs):
    def train(flag):
        r = np.random.RandomState(7)
        weights = [mx.nd.array(r.uniform(-1, 1, s)) for s in ((8, 5), (8,), (3, 8), (3,))]
        updater = mx.optimizer.get_updater(mx.optimizer.create(optimizer, learning_rate=0.05,
                                                               rescale_grad=0.5, **kwargs))
        with compiled.use_compiled(flag):
            for step in range(3):
                grads = [mx.nd.array(r.uniform(-2, 2, w.shape)) for w in weights]
                updater(list(range(len(weights))), grads, weights)
        return [w.asnumpy() for w in weights]
    for a, b in zip(train(True), train(False)):
        np.testing.assert_array_equal(_bits(a), _bits(b))


@pytest.mark.parametrize("clip", [-1.0, 0.4])
@pytest.mark.parametrize("bias_correction", [True, False])
def test_compiled_lamb_phase1_and_multi_lamb_are_bit_equal_to_the_numpy_form(clip,
                                                                            bias_correction):
    r = np.random.RandomState(9)
    shapes = [(6, 5), (7,)]
    arrays = []
    for s in shapes:
        arrays += [r.uniform(low, high, s).astype("float32")
                   for low, high in ((-1, 1), (-3, 3), (-0.5, 0.5), (0.1, 1))]
    common = dict(rescale_grad=0.5, clip_gradient=clip, bias_correction=bias_correction,
                  beta1=0.8, beta2=0.99, epsilon=1e-6)
    phase1 = registry.get("lamb_update_phase1")
    attrs = phase1.parse_attrs(dict(common, t=3, wd=0.01))
    fast, slow = [a.copy() for a in arrays[:4]], [a.copy() for a in arrays[:4]]
    with compiled.use_compiled(True):
        direction = phase1.compute(np, fast, attrs)
    with compiled.use_compiled(False):
        expected = phase1.compute(np, slow, attrs)
    np.testing.assert_array_equal(_bits(direction), _bits(expected))
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(_bits(a), _bits(b))
    multi = registry.get("_multi_lamb_update")
    attrs = multi.parse_attrs(dict(common, learning_rates=(0.01, 0.02), wds=(0.1, 0.0),
                                   step_count=(3, 1), num_tensors=2))
    fast, slow = [a.copy() for a in arrays], [a.copy() for a in arrays]
    for _ in range(2):
        with compiled.use_compiled(True):
            IN_PLACE["_multi_lamb_update"](np, fast, attrs, fast[0::4])
        with compiled.use_compiled(False):
            IN_PLACE["_multi_lamb_update"](np, slow, attrs, slow[0::4])
    for k, (a, b) in enumerate(zip(fast, slow)):
        np.testing.assert_array_equal(_bits(a), _bits(b), err_msg="input %d" % k)
