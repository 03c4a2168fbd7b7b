"""The MXNet introduction's Gluon linear regression, unchanged but for the import."""
import numpy as np
import pytest

from mxnb import autograd, gluon, init, nd
from mxnb.gluon import data as gdata, loss as gloss, nn


@pytest.mark.parametrize("hybridize", [False, True])
def test_linear_regression_converges(hybridize):
    rng = np.random.RandomState(0)
    num_inputs, num_examples = 2, 1000
    true_w, true_b = [2, -3.4], 4.2
    features = nd.array(rng.normal(scale=1, size=(num_examples, num_inputs)))
    labels = true_w[0] * features[:, 0] + true_w[1] * features[:, 1] + true_b
    labels += nd.array(rng.normal(scale=0.01, size=labels.shape))

    batch_size = 10
    dataset = gdata.ArrayDataset(features, labels)
    data_iter = gdata.DataLoader(dataset, batch_size, shuffle=True)

    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(init.Normal(sigma=0.01))
    if hybridize:
        with pytest.warns(UserWarning, match="Consider using HybridSequential"):
            net.hybridize()
    loss = gloss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03})

    first = loss(net(features), labels).mean().asscalar()
    for epoch in range(3):
        for X, y in data_iter:
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(batch_size)
    final = loss(net(features), labels).mean().asscalar()
    assert final < 1e-3 < first
    dense = net[0]
    np.testing.assert_allclose(dense.weight.data().asnumpy().ravel(), true_w, atol=0.01)
    np.testing.assert_allclose(dense.bias.data().asnumpy(), [true_b], atol=0.01)
