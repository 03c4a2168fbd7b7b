"""Writes tests/data/mxnet191_block_summary.txt: MXNet 1.9.1's `Block.summary` table for the net
built by `summary_net` (the same code runs in tests/gluon/test_block_api.py with mxnb).

    /work/peers/mxnet/bin/python tests/data/make_block_summary.py
"""
import contextlib
import io
import os


def summary_net(mx):
    """Conv-BN-ReLU, a nested block, a Concurrent branch and a Dense sharing another's params."""
    nn = mx.gluon.nn
    from_contrib = mx.gluon.contrib.nn
    with mx.name.NameManager():
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Conv2D(4, 3), nn.BatchNorm(), nn.Activation("relu"))
            branches = from_contrib.HybridConcurrent(axis=1)
            branches.add(nn.Conv2D(2, 1), from_contrib.Identity())
            net.add(branches)
            inner = nn.HybridSequential()
            inner.add(nn.Dense(5), nn.Dense(3))
            net.add(inner)
            net.add(nn.Dense(5))
            net.add(nn.Dense(3, params=inner[1].params))
    net.initialize()
    return net


def summary_text(mx):
    net = summary_net(mx)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        net.summary(mx.nd.ones((2, 3, 6, 6)))
    return out.getvalue()


if __name__ == "__main__":
    import mxnet
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "mxnet191_block_summary.txt"), "w") as f:
        f.write(summary_text(mxnet))
