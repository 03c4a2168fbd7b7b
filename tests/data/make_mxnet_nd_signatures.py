"""Writes mxnet191_nd_signatures.json: for every generated operator function of MXNet 1.9.1's
mx.nd, mx.nd.contrib and mx.nd.linalg (those ending in `out=None, name=None, **kwargs`), its
parameters that take positional values, in order: the inputs, then the attributes.
tests/test_ndarray_generated.py compares them with mxnb's generated functions, so positional
attributes bind as in MXNet.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_mxnet_nd_signatures.py
"""
import inspect
import json
import os

import mxnet as mx

NAMESPACES = {"nd": mx.nd, "nd.contrib": mx.nd.contrib, "nd.linalg": mx.nd.linalg}
out = {}
for key, namespace in NAMESPACES.items():
    found = {}
    for name in dir(namespace):
        function = getattr(namespace, name)
        if name.startswith("__") or not inspect.isfunction(function):
            continue
        params = inspect.signature(function).parameters
        if list(params)[-3:] != ["out", "name", "kwargs"]:
            continue        # not a generated operator function
        found[name] = [k for k, p in params.items()
                       if p.kind is p.POSITIONAL_OR_KEYWORD and k not in ("out", "name")]
    out[key] = found
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "mxnet191_nd_signatures.json"), "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
print({k: len(v) for k, v in out.items()})
