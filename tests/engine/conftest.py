"""Fixtures for the engine tests: run a test under a given engine, restoring the previous one."""
import pytest

import mxnb as mx


@pytest.fixture
def use_engine():
    """use_engine(engine) installs `engine` for the rest of the test."""
    previous = []

    def install(engine):
        old = mx.engine.set_engine(engine)
        if not previous:
            previous.append(old)
        return engine
    yield install
    if previous:
        mx.engine.set_engine(previous[0])


@pytest.fixture(params=["ThreadedEngine", "ThreadedEnginePerDevice"])
def threaded(request, use_engine):
    """Each threaded engine in turn (the pooled one with several workers, so reads overlap)."""
    if request.param == "ThreadedEngine":
        return use_engine(mx.engine.ThreadedEngine(num_workers=4))
    return use_engine(mx.engine.ThreadedEnginePerDevice())
