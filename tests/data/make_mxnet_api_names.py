"""Writes mxnet191_api_names.json: the public names of MXNet 1.9.1's operator namespaces
(mx.nd, mx.nd.contrib, mx.nd.linalg, mx.sym, mx.sym.contrib, mx.sym.linalg), which
tests/api_coverage.py compares with mxnb's.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_mxnet_api_names.py
"""
import json
import os

import mxnet as mx

NAMESPACES = {"nd": mx.nd, "nd.contrib": mx.nd.contrib, "nd.linalg": mx.nd.linalg,
              "sym": mx.sym, "sym.contrib": mx.sym.contrib, "sym.linalg": mx.sym.linalg}
out = {key: sorted(n for n in dir(ns) if not n.startswith("_")) for key, ns in NAMESPACES.items()}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "mxnet191_api_names.json"), "w") as f:
    json.dump(out, f, indent=0)
print({k: len(v) for k, v in out.items()})
