"""Programs under the threaded engines: a hybridized call (CachedOp) and an Executor's forward and
backward are pushed as one piece of work once their shapes are known; the caller returns at once,
errors surface at the next wait naming the operator, and results equal the naive engine's bit for
bit (Dropout's draws and BatchNorm's running statistics included)."""
import threading

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError


def _gate(array):
    """Pushes work that writes `array` and holds the worker until the returned event is set: work
    reading `array` pushed meanwhile cannot run, so a call that returns proves it was pushed."""
    release = threading.Event()
    mx.engine.push(lambda: release.wait(30), writes=[array])
    return release


def _returns_while_gated(fn):
    """Runs fn() in a thread; True when it returned within a few seconds."""
    done = threading.Event()
    result = []

    def call():
        result.append(fn())
        done.set()

    threading.Thread(target=call, daemon=True).start()
    return done.wait(5), result


def _mlp(dropout=0.0, batchnorm=False):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(12, activation="relu"))
    if batchnorm:
        net.add(mx.gluon.nn.BatchNorm())
    if dropout:
        net.add(mx.gluon.nn.Dropout(dropout))
    net.add(mx.gluon.nn.Dense(3))
    return net


def test_a_hybridized_call_returns_before_its_inputs_are_ready(threaded):
    net = _mlp()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.ones((2, 5))
    first = net(x).asnumpy()            # the first call with these shapes runs and plans
    release = _gate(x)
    returned, result = _returns_while_gated(lambda: net(x))
    release.set()
    assert returned, "the hybridized call waited for its input instead of being pushed"
    assert result[0].shape == (2, 3)    # known up front, before the values
    assert np.array_equal(result[0].asnumpy(), first)


def test_an_executor_forward_and_backward_return_before_their_inputs_are_ready(threaded):
    data = mx.sym.var("data")
    out = mx.sym.FullyConnected(mx.sym.tanh(data), num_hidden=4, name="fc")
    exe = out.simple_bind(mx.cpu(), data=(3, 5))
    for a in exe.arg_arrays:
        a[:] = 0.25
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((3, 4)))
    expected = exe.outputs[0].asnumpy(), exe.grad_dict["fc_weight"].asnumpy()
    head = mx.nd.ones((3, 4))
    release = _gate(exe.arg_dict["data"])

    def step():
        exe.forward(is_train=True)
        exe.backward(head)
        return exe.outputs[0]

    returned, _ = _returns_while_gated(step)
    release.set()
    assert returned, "the executor waited for its input instead of being pushed"
    assert np.array_equal(exe.outputs[0].asnumpy(), expected[0])
    assert np.array_equal(exe.grad_dict["fc_weight"].asnumpy(), expected[1])


def test_an_error_in_a_pushed_program_surfaces_at_the_next_wait(threaded):
    class Cholesky(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.linalg.potrf(x) * 2

    net = Cholesky()
    net.hybridize()
    good = mx.nd.array([[4.0, 1.0], [1.0, 3.0]])
    bad = mx.nd.array([[-4.0, 1.0], [1.0, 3.0]])     # not positive definite
    expected = net(good).asnumpy()
    later = net(bad) + 1                # returns: the failure happens on a worker
    with pytest.raises(MXNetError, match=r"node .*potrf.*: operator _linalg_potrf"):
        later.asnumpy()                 # passed on to work reading the failed output
    with pytest.raises(MXNetError, match="_linalg_potrf"):
        mx.nd.waitall()
    assert np.array_equal(net(good).asnumpy(), expected)     # the program still works


def test_an_error_in_a_pushed_executor_forward_surfaces_at_the_next_wait(threaded):
    exe = (mx.sym.linalg.potrf(mx.sym.var("a")) * 2).simple_bind(mx.cpu(), a=(2, 2), grad_req="null")
    exe.arg_dict["a"][:] = mx.nd.array([[4.0, 1.0], [1.0, 3.0]])
    expected = exe.forward()[0].asnumpy()
    exe.arg_dict["a"][:] = mx.nd.array([[-4.0, 1.0], [1.0, 3.0]])
    out = exe.forward()[0]              # returns: the failure happens on a worker
    with pytest.raises(MXNetError, match=r"node .*potrf.*: operator _linalg_potrf"):
        out.asnumpy()
    with pytest.raises(MXNetError, match="_linalg_potrf"):
        mx.nd.waitall()
    exe.arg_dict["a"][:] = mx.nd.array([[4.0, 1.0], [1.0, 3.0]])
    assert np.array_equal(exe.forward()[0].asnumpy(), expected)


def _train_hybridized(steps=5):
    mx.random.seed(5)
    net = _mlp(dropout=0.4, batchnorm=True)
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    rs = np.random.RandomState(0)
    seen = []
    for _ in range(steps):
        x = mx.nd.array(rs.randn(6, 5))
        y = mx.nd.array(rs.randint(0, 3, 6))
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(6)
        seen += [loss, net(x)]          # the predict-mode call as well
    params = net.collect_params().values()
    return ([a.asnumpy() for a in seen] + [p.data().asnumpy() for p in params]
            + [p.grad().asnumpy() for p in params if p.grad_req != "null"])


def test_hybridized_training_with_dropout_and_batchnorm_matches_the_naive_engine(threaded):
    got = _train_hybridized()
    mx.engine.set_engine(mx.engine.NaiveEngine())
    expected = _train_hybridized()
    assert len(got) == len(expected)
    for a, b in zip(expected, got):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def _module_fit():
    mx.random.seed(2)
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=6, name="fc1")
    net = mx.sym.BatchNorm(net, name="bn")
    net = mx.sym.Dropout(mx.sym.Activation(net, act_type="relu"), p=0.3)
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(net, num_hidden=3, name="fc2"), name="softmax")
    rs = np.random.RandomState(4)
    it = mx.io.NDArrayIter(rs.randn(40, 5).astype("float32"), rs.randint(0, 3, 40).astype("float32"),
                           batch_size=8)
    mod = mx.mod.Module(net, context=mx.cpu())
    mod.fit(it, num_epoch=2, optimizer="sgd", optimizer_params={"learning_rate": 0.1},
            initializer=mx.init.Xavier())
    args, aux = mod.get_params()
    return {k: v.asnumpy() for k, v in list(args.items()) + list(aux.items())}


def test_module_training_matches_the_naive_engine(threaded):
    got = _module_fit()
    mx.engine.set_engine(mx.engine.NaiveEngine())
    expected = _module_fit()
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert np.array_equal(expected[name], got[name]), name


def _interleaved(seed):
    """Hybridized calls (training and predicting) and eager operators on shared arrays, with
    in-place writes of the blocks' inputs and outputs between calls, random draws on both sides."""
    mx.random.seed(seed)
    rs = np.random.RandomState(seed)
    nets = [_mlp(dropout=0.3), _mlp(batchnorm=True)]
    for net in nets:
        net.initialize(mx.init.Xavier())
        net.hybridize()
    trainer = mx.gluon.Trainer([p for net in nets for p in net.collect_params().values()], "sgd",
                               {"learning_rate": 0.05})
    shared = [mx.nd.array(rs.randn(4, 5)) for _ in range(3)]
    log = []
    for _ in range(40):
        kind = rs.randint(7)
        net = nets[rs.randint(2)]
        a = shared[rs.randint(3)]
        if kind == 0:
            log.append(net(a))
        elif kind == 1:
            out = net(a)
            shared[rs.randint(3)][:, :3] += out * 0.1    # a block's output written into an input
        elif kind == 2:
            with mx.autograd.record():
                loss = (net(a) ** 2).mean() + (net(a * 0.5) * shared[0][:, :3]).sum()
            loss.backward()
            trainer.step(1, ignore_stale_grad=True)
            log.append(loss)
        elif kind == 3:
            a *= 0.9                    # in place while calls reading it may still be queued
            a += mx.nd.random.uniform(-0.1, 0.1, shape=a.shape)
        elif kind == 4:
            with mx.autograd.train_mode():
                log.append(net(a) + mx.nd.random.normal(shape=(4, 3)))   # Dropout and eager draws
        elif kind == 5:
            log.append(mx.nd.dot(a, a.T).sum(axis=1))
        else:
            a[:] = mx.nd.tanh(net(a)).mean() + a
    params = [p.data() for net in nets for p in net.collect_params().values()]
    return [x.asnumpy() for x in log + shared + params]


def test_hybridized_calls_and_eager_operators_interleaved_match_the_naive_engine(threaded):
    got = [_interleaved(seed) for seed in (11, 12)]
    mx.engine.set_engine(mx.engine.NaiveEngine())
    expected = [_interleaved(seed) for seed in (11, 12)]
    for run_expected, run_got in zip(expected, got):
        assert len(run_expected) == len(run_got)
        for a, b in zip(run_expected, run_got):
            assert a.shape == b.shape and np.array_equal(a, b)
    assert not mx.nd.async_dispatch.disagreements


def test_hybridized_calls_from_several_threads_on_shared_arrays(use_engine):
    """Each thread calls its own hybridized block on arrays all threads read, and writes its own
    row of a shared board (no random draws: their order across threads is the threads')."""
    def run(engine):
        use_engine(engine)
        mx.random.seed(0)
        rs = np.random.RandomState(1)
        shared = [mx.nd.array(rs.randn(4, 5)) for _ in range(2)]
        board = mx.nd.zeros((4, 3))
        nets = [_mlp(batchnorm=True) for _ in range(4)]
        for net in nets:
            net.initialize(mx.init.Xavier())
            net.hybridize()
            net(shared[0])      # deferred initialization draws here, not in threads racing
        logs = [[] for _ in nets]

        def work(i):
            net, row, own = nets[i], board[i], mx.nd.ones((4, 5)) * i
            for step in range(15):
                x = shared[step % 2] + own
                with mx.autograd.record(train_mode=step % 3 == 0):
                    y = net(x)
                row += y.sum(axis=0) / 100
                own += y.mean()
                logs[i].append(y)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(nets))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [[y.asnumpy() for y in log] for log in logs], board.asnumpy()

    expected_logs, expected_board = run(mx.engine.NaiveEngine())
    got_logs, got_board = run(mx.engine.ThreadedEngine(num_workers=3))
    assert np.array_equal(expected_board, got_board)
    for log_e, log_g in zip(expected_logs, got_logs):
        for a, b in zip(log_e, log_g):
            assert np.array_equal(a, b)


class _Scale(mx.operator.CustomOp):
    """y = 3x in Python: user code that reads and writes NDArrays itself."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * 3)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 3)


@mx.operator.register("mxnb_engine_test_scale")
class _ScaleProp(mx.operator.CustomOpProp):
    def __init__(self):
        super().__init__(need_top_grad=True)

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _Scale()


def test_programs_with_user_code_stay_in_the_calling_thread(threaded):
    """A Custom operator's Python code waits on NDArrays: run on a worker it would wait on work
    queued behind itself. Such programs keep the synchronous path (and finish)."""
    class Net(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.dense = mx.gluon.nn.Dense(2)

        def hybrid_forward(self, F, x):
            return F.Custom(self.dense(x), op_type="mxnb_engine_test_scale")

    net = Net()
    net.initialize(mx.init.One())
    net.hybridize()
    x = mx.nd.ones((2, 3))
    results = []

    def steps():
        for _ in range(3):
            with mx.autograd.record():
                y = net(x)
            y.backward()
            results.append((y.asnumpy(), net.dense.weight.grad().asnumpy()))

    worker = threading.Thread(target=steps, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "a hybridized Custom operator deadlocked the engine"
    assert len(results) == 3
    for y, grad in results:
        assert np.array_equal(y, np.full((2, 2), 9.0, np.float32))
        assert np.array_equal(grad, np.full((2, 3), 6.0, np.float32))


def test_node_hooks_see_every_node_in_the_calling_thread(threaded):
    """A program with node hooks (the debugger, a monitor) runs synchronously, after the pushed
    runs before it: the hooks see each node, in the caller's thread, with values."""
    net = _mlp()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.ones((2, 5))
    net(x)
    pushed = net(x)                     # pushed: its shapes are known now
    seen = []
    hook = net.cached_op.add_node_hook(
        lambda phase, node, ins, outs: seen.append((node.name, threading.current_thread().name,
                                                    float(outs[0].sum()))))
    watched = net(x)
    net.cached_op.remove_node_hook(hook)
    assert np.array_equal(watched.asnumpy(), pushed.asnumpy())
    assert len(seen) >= 3 and {t for _, t, _ in seen} == {threading.current_thread().name}
