"""Prints the public names of MXNet 1.9.1's operator namespaces (mx.nd, mx.nd.contrib,
mx.nd.linalg, mx.sym, ...) that mxnb does not have yet.

    python tests/api_coverage.py            # every namespace
    python tests/api_coverage.py nd         # one namespace

The MXNet names come from tests/data/mxnet191_api_names.json (written by
tests/data/make_mxnet_api_names.py with real MXNet 1.9.1). Module-level helpers MXNet's
namespaces happen to import (numpy, ctypes, ...) are listed as well: read the list, do not
chase it to zero.
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))   # this checkout's mxnb
import mxnb as mx  # noqa: E402

NAMES = json.loads((pathlib.Path(__file__).parent / "data" / "mxnet191_api_names.json").read_text())


def namespace(key):
    obj = mx
    for part in key.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def missing(key):
    ns = namespace(key)
    if ns is None:
        return list(NAMES[key])
    return [name for name in NAMES[key] if not hasattr(ns, name)]


def main(keys):
    for key in keys:
        names = missing(key)
        print("mx.%s: %d of %d names missing" % (key, len(names), len(NAMES[key])))
        for i in range(0, len(names), 6):
            print("    " + ", ".join(names[i:i + 6]))


if __name__ == "__main__":
    main(sys.argv[1:] or list(NAMES))
