"""Writes losses.npz: every loss of MXNet 1.9.1's gluon.loss on small fixed inputs, with
weight, sample_weight, batch_axis and each loss's own options, and the gradient of the summed
loss with respect to pred (the first input).

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_losses.py
The cases (CASES) are repeated by name in tests/gluon/test_loss_mxnet.py.
"""
import json
import os

import mxnet as mx
import numpy as np

R = np.random.RandomState(5)


def u(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, shape).astype(np.float32)


def sign(*shape):
    return np.where(R.uniform(size=shape) > 0.5, 1.0, -1.0).astype(np.float32)


def probs(*shape):
    p = R.uniform(0.1, 1, shape)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


CTC_LABEL = np.array([[1, 0, -1], [2, 2, 1], [0, -1, -1]], np.float32)

# name: (loss class, constructor kwargs, inputs, optional inputs in their positional order)
CASES = {
    "l1": ("L1Loss", {}, [u(3, 4), u(3, 4)], {}),
    "l1_weighted": ("L1Loss", {"weight": 0.5}, [u(3, 4), u(3, 4)], {"sample_weight": u(3, 1, lo=0, hi=1)}),
    "l2": ("L2Loss", {}, [u(3, 4), u(3, 4)], {}),
    "l2_batch_axis1": ("L2Loss", {"weight": 2.0, "batch_axis": 1}, [u(4, 3, 2), u(4, 3, 2)], {}),
    "l2_label_reshaped": ("L2Loss", {}, [u(3, 1), u(3)], {}),
    "softmax_ce": ("SoftmaxCrossEntropyLoss", {}, [u(3, 5), np.array([0, 4, 2], np.float32)], {}),
    "softmax_ce_weighted": ("SoftmaxCrossEntropyLoss", {"weight": 0.7},
                            [u(3, 5), np.array([1, 1, 3], np.float32)],
                            {"sample_weight": np.array([[1.0], [0.5], [2.0]], np.float32)}),
    "softmax_ce_dense": ("SoftmaxCrossEntropyLoss", {"sparse_label": False}, [u(3, 5), probs(3, 5)], {}),
    "softmax_ce_logits_axis1": ("SoftmaxCrossEntropyLoss", {"from_logits": True, "axis": 1},
                                [np.log(probs(2, 3, 4).transpose(0, 2, 1)), np.array([[0, 3, 1], [2, 2, 0]], np.float32)], {}),
    "sigmoid_bce": ("SigmoidBinaryCrossEntropyLoss", {}, [u(3, 4, lo=-3, hi=3), (u(3, 4) > 0).astype(np.float32)], {}),
    "sigmoid_bce_pos_weight": ("SigmoidBinaryCrossEntropyLoss", {},
                               [u(3, 4, lo=-3, hi=3), (u(3, 4) > 0).astype(np.float32)],
                               {"sample_weight": None, "pos_weight": u(1, 4, lo=0.5, hi=3)}),
    "sigmoid_bce_from_sigmoid": ("SigmoidBinaryCrossEntropyLoss", {"from_sigmoid": True, "weight": 1.5},
                                 [u(3, 4, lo=0.05, hi=0.95), (u(3, 4) > 0).astype(np.float32)],
                                 {"sample_weight": None, "pos_weight": u(1, 4, lo=0.5, hi=3)}),
    "kldiv": ("KLDivLoss", {}, [np.log(probs(3, 4)), probs(3, 4)], {}),
    "kldiv_not_logits": ("KLDivLoss", {"from_logits": False, "axis": 1}, [u(2, 4, 3), probs(2, 3, 4).transpose(0, 2, 1)], {}),
    "huber": ("HuberLoss", {"rho": 0.5}, [u(3, 4, lo=-2, hi=2), u(3, 4)], {}),
    "hinge": ("HingeLoss", {"margin": 0.8}, [u(3, 4, lo=-2, hi=2), sign(3, 4)], {}),
    "squared_hinge": ("SquaredHingeLoss", {}, [u(3, 4, lo=-2, hi=2), sign(3, 4)],
                      {"sample_weight": u(3, 1, lo=0, hi=1)}),
    "logistic_signed": ("LogisticLoss", {}, [u(3, 4, lo=-3, hi=3), sign(3, 4)], {}),
    "logistic_binary": ("LogisticLoss", {"label_format": "binary"}, [u(3, 4, lo=-3, hi=3),
                                                                     (sign(3, 4) > 0).astype(np.float32)], {}),
    "triplet": ("TripletLoss", {"margin": 0.3}, [u(3, 4), u(3, 4), u(3, 4)], {}),
    "triplet_batch_axis1": ("TripletLoss", {"batch_axis": 1, "weight": 2.0}, [u(2, 3), u(2, 3), u(2, 3)], {}),
    "ctc": ("CTCLoss", {}, [u(3, 6, 4), CTC_LABEL], {}),
    "ctc_tnc_lengths": ("CTCLoss", {"layout": "TNC", "label_layout": "TN", "weight": 0.5},
                        [u(6, 3, 4), CTC_LABEL.T.copy(), np.array([6, 5, 4], np.float32),
                         np.array([2, 3, 1], np.float32)], {}),
    "cosine_embedding": ("CosineEmbeddingLoss", {"margin": 0.1}, [u(4, 3), u(4, 3), np.array([1, -1, 1, -1], np.float32)], {}),
    "cosine_embedding_weighted": ("CosineEmbeddingLoss", {"weight": 0.5}, [u(3, 5), u(3, 5), np.array([-1, -1, 1], np.float32)],
                                  {"sample_weight": u(3, 1, lo=0, hi=1)}),
    "poisson_nll": ("PoissonNLLLoss", {}, [u(3, 4), R.poisson(2, (3, 4)).astype(np.float32)], {}),
    "poisson_nll_rate_full": ("PoissonNLLLoss", {"from_logits": False, "compute_full": True},
                              [u(3, 4, lo=0.5, hi=3), (R.poisson(2, (3, 4)) + 1).astype(np.float32)], {}),
    "sdml": ("SDMLLoss", {}, [u(4, 3), u(4, 3)], {}),
    "sdml_smoothing": ("SDMLLoss", {"smoothing_parameter": 0.1, "weight": 0.5}, [u(3, 5), u(3, 5)], {}),
}

# MXNet 1.9.1's PoissonNLLLoss(compute_full=True) multiplies in place, which autograd refuses.
NO_AUTOGRAD = {"poisson_nll_rate_full"}


def main():
    out = {}
    for name, (cls, kwargs, inputs, extra) in CASES.items():
        loss_fn = getattr(mx.gluon.loss, cls)(**kwargs)
        arrays = [mx.nd.array(a) for a in inputs]
        # extra inputs go positionally (MXNet's Block.__call__ takes no keywords)
        extras = [None if v is None else mx.nd.array(v) for v in extra.values()]
        if name in NO_AUTOGRAD:
            loss = loss_fn(*arrays, *extras)
        else:
            arrays[0].attach_grad()
            with mx.autograd.record():
                loss = loss_fn(*arrays, *extras)
            loss.backward()
            out["%s/grad" % name] = arrays[0].grad.asnumpy()
        for i, a in enumerate(inputs):
            out["%s/in%d" % (name, i)] = a
        for i, (k, v) in enumerate(extra.items()):
            if v is not None:
                out["%s/extra%d_%s" % (name, i, k)] = v
        out["%s/loss" % name] = loss.asnumpy()
        out["%s/spec" % name] = np.array(json.dumps([cls, kwargs]))
    np.savez_compressed(os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses.npz"), **out)
    print("wrote losses.npz with", len(CASES), "cases")


if __name__ == "__main__":
    main()
