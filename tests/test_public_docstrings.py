"""Every public class of the documented modules carries a numpydoc docstring with a
`Parameters` section and an example, as MXNet 1.9.1's API reference does."""
import inspect

import pytest

import mxnb as mx
from mxnb import gluon

MODULES = (gluon.nn, gluon.loss, gluon.rnn, mx.optimizer, mx.metric, mx.lr_scheduler, mx.init)


def _public_classes():
    for mod in MODULES:
        for name in sorted(dir(mod)):
            obj = getattr(mod, name)
            # Classes re-exported from outside mxnb (e.g. collections.OrderedDict) are not ours.
            if (not name.startswith("_") and inspect.isclass(obj)
                    and obj.__module__.split(".")[0] == "mxnb"):
                yield "%s.%s" % (mod.__name__, name), obj


CLASSES = list(_public_classes())


def test_classes_found():
    assert len(CLASSES) > 100


@pytest.mark.parametrize("qualname,cls", CLASSES, ids=[q for q, _ in CLASSES])
def test_docstring_has_parameters_and_example(qualname, cls):
    doc = cls.__doc__ or ""
    assert doc.strip(), "%s has no docstring" % qualname
    assert "Parameters" in doc, "%s's docstring has no Parameters section" % qualname
    assert "Example" in doc, "%s's docstring has no Example(s) section" % qualname
