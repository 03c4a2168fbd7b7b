"""NDArray work under the threaded engines gives the naive engine's results bit for bit: many
Python threads running random programs of operators, views, in-place writes, setitem, copies
and out=, over arrays they share (read) and a buffer whose rows they each write."""
import threading

import numpy as np
import pytest

import mxnb as mx

N_THREADS, STEPS, ROWS = 6, 40, 6


def _program(seed, shared, board, row, log):
    """One thread's work: a deterministic random program; its results go to `log`."""
    rs = np.random.RandomState(seed)
    nd = mx.nd
    mine = [nd.array(rs.uniform(-1, 1, (4, 5))) for _ in range(3)]
    line = board[row]                       # a view of the shared board: this thread's row
    for _ in range(STEPS):
        kind = rs.randint(11)
        a = mine[rs.randint(len(mine))]
        b = mine[rs.randint(len(mine))]
        s = shared[rs.randint(len(shared))]
        if kind == 0:
            mine.append(nd.tanh(a * s + b) / 3)
        elif kind == 1:
            mine.append(nd.dot(a, s.T).sum(axis=1, keepdims=True) * nd.ones((1, 5)) / 10)
        elif kind == 2:
            a += s * 0.5                    # in place: views and later readers see it
        elif kind == 3:
            a[1:3] = b[0:2] * 2             # setitem of a view from another array
        elif kind == 4:
            a[rs.randint(4)] = float(rs.uniform())
        elif kind == 5:
            nd.relu(a - b, out=b)           # out= into an input
        elif kind == 6:
            line += a.sum(axis=0) / 100     # the shared board, through this thread's row view
        elif kind == 7:
            mine.append(a.copyto(mx.cpu(1)).as_in_context(mx.cpu(0)) + 1)
        elif kind == 8:
            c = nd.zeros((4, 5))
            a.copyto(c)
            c[:] = c * c
            mine.append(c)
        elif kind == 9:
            mine.append(nd.softmax(a, axis=-1).reshape((5, 4)).T)
        else:
            v = a[2]                        # a view of one row, written in place
            v *= 0.5
        if len(mine) > 6:
            log.append(mine.pop(0))
    log.extend(mine)


def _run_all(make_engine, use_engine):
    use_engine(make_engine())
    rs = np.random.RandomState(0)
    shared = [mx.nd.array(rs.uniform(-1, 1, (4, 5))) for _ in range(3)]
    board = mx.nd.zeros((ROWS, 5))
    logs = [[] for _ in range(N_THREADS)]
    threads = [threading.Thread(target=_program, args=(100 + i, shared, board, i, logs[i]))
               for i in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mx.nd.waitall()
    return [[x.asnumpy() for x in log] for log in logs], board.asnumpy(), [s.asnumpy() for s in shared]


@pytest.mark.parametrize("engine_name", ["ThreadedEngine", "ThreadedEnginePerDevice"])
def test_threaded_engines_match_the_naive_engine(engine_name, use_engine):
    naive = _run_all(mx.engine.NaiveEngine, use_engine)
    make = getattr(mx.engine, engine_name)
    threaded = _run_all(lambda: make(num_workers=3) if engine_name == "ThreadedEngine" else make(),
                        use_engine)
    logs_n, board_n, shared_n = naive
    logs_t, board_t, shared_t = threaded
    assert [len(log) for log in logs_n] == [len(log) for log in logs_t]
    for log_n, log_t in zip(logs_n, logs_t):
        for x, y in zip(log_n, log_t):
            assert x.dtype == y.dtype and x.shape == y.shape
            assert np.array_equal(x, y)
    assert np.array_equal(board_n, board_t)
    for x, y in zip(shared_n, shared_t):
        assert np.array_equal(x, y)
    assert not mx.nd.async_dispatch.disagreements


def _random_program():
    """Random operators, host-side draws (initializers, seeding) and compute, interleaved."""
    mx.random.seed(7)
    a = mx.nd.random.uniform(shape=(3, 4))
    w = mx.nd.zeros((4, 4))
    mx.init.Xavier()(mx.init.InitDesc("fc_weight"), w)
    b = mx.nd.random.normal(shape=(3, 4)) + mx.nd.dot(a, w)
    mask = mx.nd.Dropout(b, p=0.5, mode="always")
    mx.random.seed(8, ctx=mx.cpu())
    c = mx.nd.random.uniform(shape=(2,)) + mx.nd.random.randint(0, 9, shape=(2,)).astype("float32")
    return [x.asnumpy() for x in (a, w, b, mask, c)]


def test_random_draws_happen_in_push_order(threaded):
    got = _random_program()
    mx.engine.set_engine(mx.engine.NaiveEngine())
    expected = _random_program()
    for x, y in zip(expected, got):
        assert np.array_equal(x, y)


def test_gluon_training_matches_the_naive_engine(use_engine):
    def train(engine):
        use_engine(engine)
        mx.random.seed(3)
        net = mx.gluon.nn.HybridSequential()
        net.add(mx.gluon.nn.Dense(8, activation="relu"), mx.gluon.nn.Dense(3))
        net.initialize(mx.init.Xavier())
        trainer = mx.gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})
        loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        rs = np.random.RandomState(1)
        x = mx.nd.array(rs.uniform(size=(16, 5)))
        y = mx.nd.array(rs.randint(0, 3, 16))
        losses = []
        for step in range(6):
            if step == 3:
                net.hybridize()
            with mx.autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(16)
            losses.append(loss)
        return [l.asnumpy() for l in losses] + [p.data().asnumpy() for p in net.collect_params().values()]

    expected = train(mx.engine.NaiveEngine())
    got = train(mx.engine.ThreadedEnginePerDevice())
    for x, y in zip(expected, got):
        assert np.array_equal(x, y)


def test_recorded_in_place_writes_and_views_match_the_naive_engine(use_engine):
    def run(engine):
        use_engine(engine)
        x = mx.nd.array([1.0, 2.0, 3.0, 4.0])
        x.attach_grad()
        with mx.autograd.record():
            y = x * 2
            y += 1                      # the tape rebinds the result to y: pushed work must not
            z = y.reshape((2, 2))       # a view op: shares y's variable
            w = (z * z).sum() + nd_sum(y)
        w.backward()
        return [x.grad.asnumpy(), w.asnumpy(), z.asnumpy()]

    def nd_sum(a):
        return mx.nd.sum(a * a)

    expected = run(mx.engine.NaiveEngine())
    got = run(mx.engine.ThreadedEnginePerDevice())
    for a, b in zip(expected, got):
        assert np.array_equal(a, b)
