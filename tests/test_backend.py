"""The backend keeps freed host memory for reuse, so operators' temporaries do not page-fault
again on every training step (as MXNet's pooled storage manager avoids it)."""
import os
import subprocess
import sys

_TRAIN_AND_COUNT_PAGE_FAULTS = """
import resource, numpy as np
import mxnb as mx
from mxnb import nd, autograd, gluon, backend
from mxnb.gluon import nn
net = nn.HybridSequential()
net.add(nn.Conv2D(20, 5, activation="tanh"), nn.MaxPool2D(2, 2), nn.Conv2D(50, 5, activation="tanh"),
        nn.MaxPool2D(2, 2), nn.Flatten(), nn.Dense(10))
net.initialize(mx.init.Xavier())
net.hybridize(optimize=False)   # planned programs reuse buffers of their own: this measures the pool
loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
x = nd.array(np.random.rand(64, 1, 28, 28))
y = nd.array(np.random.randint(0, 10, 64))
def step():
    with autograd.record():
        loss = loss_fn(net(x), y)
    loss.backward()
    trainer.step(64)
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    step()
print(backend.host_memory_pool, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _steady_state_faults(pool):
    env = dict(os.environ, MXNB_CPU_MEMORY_POOL="1" if pool else "0")
    out = subprocess.run([sys.executable, "-c", _TRAIN_AND_COUNT_PAGE_FAULTS], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_training_steps_reuse_host_memory_instead_of_page_faulting():
    pooled, pooled_faults = _steady_state_faults(pool=True)
    unpooled, unpooled_faults = _steady_state_faults(pool=False)
    assert not unpooled
    assert unpooled_faults > 1000          # without the pool, every step faults its temporaries in
    if sys.platform.startswith("linux"):  # glibc's allocator takes the settings
        assert pooled
        assert pooled_faults < unpooled_faults / 20
