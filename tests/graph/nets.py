"""Small networks for the graph-pass tests, and a runner comparing a hybridized block with the
passes on and off."""
import numpy as np

import mxnb as mx
from mxnb.gluon import nn


class ElementwiseChain(nn.HybridBlock):
    """Dense, then a chain of elementwise operators (fusable), a repeated subexpression (CSE)
    and a constant (folding)."""
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = nn.Dense(6)

    def hybrid_forward(self, F, x):
        h = self.dense(x)
        a = F.tanh(h * 2.0 + 1.0)
        b = F.tanh(h * 2.0 + 1.0)           # the same again: CSE makes it one
        c = F.relu(a - 0.25) * 3.0
        one = F.ones((1,)) * 2.0             # no input: folded to a constant
        return F.broadcast_mul(c + b, one)


class ReshapeViews(nn.HybridBlock):
    """Reshapes (views of their inputs) between elementwise steps: storage shared by views."""
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = nn.Dense(8)

    def hybrid_forward(self, F, x):
        h = F.sigmoid(self.dense(x))
        r = F.reshape(h, shape=(-1, 2, 4))
        s = F.exp(r * 0.5)
        return F.reshape(s, shape=(-1, 8)) + h


def mlp():
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dense(8, activation="tanh"), nn.Dense(3))
    return net


def lenet():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, kernel_size=3, activation="tanh"), nn.MaxPool2D(2, 2),
            nn.Conv2D(6, kernel_size=3, activation="relu"), nn.AvgPool2D(2, 2),
            nn.Flatten(), nn.Dense(10, activation="sigmoid"), nn.Dense(3))
    return net


def batchnorm_net():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, kernel_size=3), nn.BatchNorm(), nn.Activation("relu"),
            nn.Dropout(0.0), nn.Flatten(), nn.Dense(3))
    return net


NETS = {
    "chain": (ElementwiseChain, (5, 4)),
    "views": (ReshapeViews, (3, 5)),
    "mlp": (mlp, (4, 10)),
    "lenet": (lenet, (2, 1, 12, 12)),
    "batchnorm": (batchnorm_net, (2, 2, 6, 6)),
}


def build(name, optimize, seed=0):
    make, shape = NETS[name]
    mx.random.seed(seed)
    np.random.seed(seed)
    net = make()
    net.initialize(mx.init.Xavier())
    net.hybridize(optimize=optimize)
    x = mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, shape))
    return net, x


def train_steps(name, optimize, steps=3):
    """Outputs, input gradient and parameter gradients of `steps` forward/backward passes."""
    net, x = build(name, optimize)
    x.attach_grad()
    results = []
    for _ in range(steps):
        with mx.autograd.record():
            y = net(x)
            loss = (y * y).sum()
        loss.backward()
        results.append([y.asnumpy(), x.grad.asnumpy()] +
                       [p.grad().asnumpy() for p in net.collect_params().values()
                        if p.grad_req != "null"])
    return net, results
