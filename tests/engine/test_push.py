"""engine.push with raw functions: reads overlap, writes are exclusive and in push order, errors
are stored on what the work writes and raised at the next wait."""
import threading
import time

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError


def test_writes_are_exclusive_across_pushing_threads(threaded):
    # Each increment reads, yields, then writes: two at once would lose an increment.
    counter = mx.nd.zeros((1,), dtype="float64")
    view = counter[0:1]                     # a view: the same buffer, the same variable

    def increment():
        value = view._raw[0]
        time.sleep(0)
        view._raw[0] = value + 1

    def pusher():
        for _ in range(50):
            mx.engine.push(increment, writes=[view if threading.get_ident() % 2 else counter])

    threads = [threading.Thread(target=pusher) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.asnumpy()[0] == 300


def test_reads_of_one_variable_run_together(use_engine):
    use_engine(mx.engine.ThreadedEngine(num_workers=2))
    shared = mx.nd.ones((2,))
    first_started, met = threading.Event(), []

    def first():
        first_started.set()
        met.append(second_ran.wait(10))     # only returns True if the second read ran meanwhile

    second_ran = threading.Event()

    def second():
        first_started.wait(10)
        second_ran.set()

    mx.engine.push(first, reads=[shared])
    mx.engine.push(second, reads=[shared])
    mx.nd.waitall()
    assert met == [True]


def test_work_on_a_variable_runs_in_push_order(threaded):
    a = mx.nd.zeros((3,))
    seen = []
    for step in range(20):
        mx.engine.push(lambda: seen.append(a._raw.copy()), reads=[a])
        mx.engine.push(lambda s=step: a._raw.__setitem__(Ellipsis, s + 1), writes=[a])
    a.wait_to_read()
    assert [int(s[0]) for s in seen] == list(range(20))
    assert a.asnumpy().tolist() == [20.0] * 3


def test_wait_returns_once_earlier_work_on_the_array_finished(threaded):
    a = mx.nd.zeros((2,))
    release = threading.Event()
    mx.engine.push(lambda: (release.wait(10), a._raw.__setitem__(Ellipsis, 5)), writes=[a])
    other = mx.nd.ones((2,), ctx=mx.cpu(1)) * 3     # other work (another worker) goes on
    assert other.asnumpy().tolist() == [3.0, 3.0]
    release.set()
    assert a.asnumpy().tolist() == [5.0, 5.0]


def test_an_error_in_pushed_work_is_raised_at_the_wait(threaded):
    a, b = mx.nd.zeros((2,)), mx.nd.zeros((2,))

    def fail():
        raise ValueError("broken on purpose")

    mx.engine.push(fail, writes=[a], name="my_work")        # no raise here
    mx.engine.push(lambda: b._raw.__setitem__(Ellipsis, a._raw + 1), reads=[a], writes=[b])
    with pytest.raises(MXNetError, match="my_work failed: ValueError: broken on purpose"):
        a.wait_to_read()
    with pytest.raises(MXNetError, match="broken on purpose"):      # passed on to readers
        b.asnumpy()
    with pytest.raises(MXNetError, match="broken on purpose"):
        mx.nd.waitall()
    mx.nd.waitall()                         # raised once
    mx.engine.push(lambda: a._raw.__setitem__(Ellipsis, 4), writes=[a])
    assert a.asnumpy().tolist() == [4.0, 4.0]                       # a new write clears it


def test_naive_engine_runs_work_at_push_and_raises_there(use_engine):
    use_engine(mx.engine.NaiveEngine())
    a = mx.nd.zeros((2,))
    mx.engine.push(lambda: a._raw.__setitem__(Ellipsis, 2), writes=[a])
    assert a._raw.tolist() == [2.0, 2.0]
    with pytest.raises(MXNetError, match="my_work failed"):
        mx.engine.push(lambda: 1 / 0, writes=[a], name="my_work")


def test_push_takes_vars_and_rejects_other_things(threaded):
    var, out = mx.engine.Var("mine"), []
    mx.engine.push(lambda: out.append(1), writes=[var])
    mx.engine.get().wait_var(var)
    assert out == [1]
    with pytest.raises(TypeError, match="Vars or NDArrays"):
        mx.engine.push(lambda: None, reads=[np.zeros(2)])
