"""Async operator errors surface at the next wait and name the operator; bulk execution;
choosing the engine with MXNET_ENGINE_TYPE; laziness."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

NOT_POSITIVE = [[1.0, 2.0], [2.0, 1.0]]


def _naive_message():
    with pytest.raises(MXNetError) as info:
        with _engine(mx.engine.NaiveEngine()):
            mx.nd.linalg.potrf(mx.nd.array(NOT_POSITIVE))
    return str(info.value)


class _engine:
    def __init__(self, engine):
        self.engine = engine

    def __enter__(self):
        self.old = mx.engine.set_engine(self.engine)

    def __exit__(self, *exc):
        mx.engine.set_engine(self.old)


@pytest.mark.parametrize("wait", ["asnumpy", "wait_to_read", "wait_to_write", "waitall", "dependent"])
def test_an_operator_error_is_raised_at_the_next_wait_with_the_naive_wording(threaded, wait):
    expected = _naive_message()
    assert "linalg_potrf" in expected
    a = mx.nd.array(NOT_POSITIVE)
    c = mx.nd.linalg.potrf(a)                       # returns: the failure is not known yet
    fine = a * 2
    with pytest.raises(MXNetError) as info:
        if wait == "asnumpy":
            c.asnumpy()
        elif wait == "wait_to_read":
            c.wait_to_read()
        elif wait == "wait_to_write":
            c.wait_to_write()
        elif wait == "waitall":
            mx.nd.waitall()
        else:
            (c + 1).asnumpy()                       # work on a failed input fails the same way
    assert str(info.value) == expected
    assert fine.asnumpy().tolist() == [[2.0, 4.0], [4.0, 2.0]]     # other work is unaffected
    assert a.asnumpy().tolist() == NOT_POSITIVE                    # and so is the input
    try:
        mx.nd.waitall()
    except MXNetError:
        pass
    mx.nd.waitall()                                 # the error is raised by one waitall only


def test_shape_errors_still_raise_at_the_call(threaded):
    with pytest.raises(MXNetError, match="dot"):
        mx.nd.dot(mx.nd.ones((2, 3)), mx.nd.ones((2, 3)))


def test_calls_return_before_their_work_runs(threaded):
    gate = threading.Event()
    a = mx.nd.zeros((2, 2))
    mx.engine.push(lambda: gate.wait(10), writes=[a])     # holds a's variable
    c = (a + 1) / 10                                      # queued behind it: still returns
    assert c.shape == (2, 2) and c.dtype == np.float32
    assert type(c._raw).__name__ == "Pending"
    gate.set()
    assert np.allclose(c.asnumpy(), 0.1)


@pytest.mark.parametrize("engine_name", ["NaiveEngine", "ThreadedEnginePerDevice"])
def test_bulk_scope_and_set_bulk_size(engine_name, use_engine):
    use_engine(getattr(mx.engine, engine_name)())
    assert mx.engine.set_bulk_size(4) == 0
    assert mx.engine.set_bulk_size(0) == 4
    with mx.engine.bulk(10):
        assert mx.engine.set_bulk_size(10) == 10
        x = mx.nd.zeros((1,))
        for _ in range(100):
            x += 1
    assert mx.engine.set_bulk_size(0) == 0          # restored on exit
    assert x.asscalar() == 100.0


def test_bulked_work_runs_together_once_the_bulk_is_full_or_waited_for(use_engine):
    use_engine(mx.engine.ThreadedEnginePerDevice())
    a = mx.nd.zeros((1,))
    ran = []
    with mx.engine.bulk(3):
        for i in range(2):
            mx.engine.push(lambda i=i: ran.append((i, threading.get_ident())), writes=[a])
        mx.engine.get().wait_var(mx.engine.Var())       # an unrelated wait runs nothing
        assert ran == []
        a.wait_to_read()                                # a wait on it flushes the bulk
        assert [i for i, _ in ran] == [0, 1]
        for i in range(2, 5):
            mx.engine.push(lambda i=i: ran.append((i, threading.get_ident())), writes=[a])
        a.wait_to_read()                                # 3 made a full bulk, 1 waited
    assert [i for i, _ in ran] == [0, 1, 2, 3, 4]
    assert len({t for i, t in ran[2:4]}) == 1           # one piece of work, one thread


def _engine_in_subprocess(value):
    env = dict(os.environ)
    env.pop("MXNET_ENGINE_TYPE", None)
    if value is not None:
        env["MXNET_ENGINE_TYPE"] = value
    code = ("import warnings; warnings.simplefilter('always'); import mxnb as mx; "
            "c = (mx.nd.ones((2,)) + 1) * 2; "
            "print(type(mx.engine.get()).__name__, c.asnumpy().tolist())")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr


@pytest.mark.parametrize("name", ["NaiveEngine", "ThreadedEngine", "ThreadedEnginePerDevice"])
def test_mxnet_engine_type_chooses_the_engine_at_import(name):
    out, _ = _engine_in_subprocess(name)
    assert out.split()[0] == name
    assert "[4.0, 4.0]" in out


def test_the_default_is_the_naive_engine_and_an_unknown_name_warns():
    assert _engine_in_subprocess(None)[0].split()[0] == "NaiveEngine"
    out, err = _engine_in_subprocess("TurboEngine")
    assert out.split()[0] == "NaiveEngine"
    assert "TurboEngine" in err


def test_hybridized_blocks_wait_for_pending_writes_to_their_inputs(threaded):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(3))
    net.initialize(mx.init.One())
    net.hybridize()
    x = mx.nd.zeros((2, 4))
    gate = threading.Event()
    mx.engine.push(lambda: (gate.wait(10), x._raw.__setitem__(Ellipsis, 1)), writes=[x])
    threading.Timer(0.05, gate.set).start()
    assert net(x).asnumpy().tolist() == [[4.0] * 3] * 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_working_engine(use_engine):
    use_engine(mx.engine.ThreadedEnginePerDevice())
    a = mx.nd.ones((3,))
    gate = threading.Event()
    mx.engine.push(lambda: gate.wait(0.2), writes=[a])      # pending when the fork starts
    b = a * 2
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                            # the child: threads are gone
        try:
            value = ((b + 1) * mx.nd.ones((3,))).asnumpy().tolist()
            os.write(write, repr((type(mx.engine.get()).__name__, value)).encode())
        finally:
            os._exit(0)
    os.close(write)
    import select
    if not select.select([read], [], [], 60)[0]:           # a child stuck on lost work
        os.kill(pid, 9)
    with os.fdopen(read) as f:
        child = f.read()
    os.waitpid(pid, 0)
    assert child == repr(("ThreadedEnginePerDevice", [3.0, 3.0, 3.0]))
    assert b.asnumpy().tolist() == [2.0, 2.0, 2.0]
