"""A sparse-gradient Embedding keeps training after an optimizer step wrote its weight in place
(an unrecorded out= write must leave the parameter marked for autograd)."""
import numpy as np
import pytest

from mxnb import autograd, gluon, nd


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_sparse_embedding_trains_for_several_steps(optimizer):
    emb = gluon.nn.Embedding(10, 3, sparse_grad=True)
    emb.initialize()
    trainer = gluon.Trainer(emb.collect_params(), optimizer, {"learning_rate": 0.1})
    before = emb.weight.data().asnumpy().copy()
    for _ in range(3):
        with autograd.record():
            y = emb(nd.array([1, 2])).sum()
        y.backward()
        assert emb.weight.grad().stype == "row_sparse"
        trainer.step(1)
    after = emb.weight.data().asnumpy()
    changed = np.flatnonzero(np.abs(after - before).sum(axis=1))
    assert list(changed) == [1, 2]        # lazy updates: only the looked-up rows move
