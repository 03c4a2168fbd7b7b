"""The generated nd.* / sym.* functions carry numpydoc docstrings built from the registry."""
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.ops import registry


def _generated(front):
    for name, op in sorted(registry.all_names().items()):
        fn = getattr(front, name, None)
        if fn is not None and getattr(fn, "__name__", None) == name:
            yield name, op, fn


@pytest.mark.parametrize("front,array_type", [(nd, "NDArray"), (sym, "Symbol")])
def test_every_generated_function_documents_its_parameters(front, array_type):
    checked = 0
    for name, op, fn in _generated(front):
        doc = fn.__doc__
        assert "Parameters\n----------" in doc, name
        assert "Returns\n-------\n" + array_type in doc, name
        assert "Examples\n--------" in doc, name
        for param in op.params:
            if param != op.variadic:
                assert "\n%s : " % param in doc, "%s does not document %r" % (name, param)
        checked += 1
    assert checked > 100


def test_docstring_states_type_default_and_domain():
    from mxnb.ops.docstring import operator_docstring
    from mxnb.ops.params import Int, Enum
    from mxnb.ops.registry import Operator

    class Impl:
        """Does nothing useful."""
        def compute(xp, inputs, attrs):
            return inputs[0]

    op = Operator("_doc_probe", Impl, {"n": Int(doc="How many.", low=1),
                                        "mode": Enum(("a", "b"), "a")}, ("data",))
    doc = operator_docstring(op, "nd")
    assert "n : int, required\n    How many. Must be an integer >= 1." in doc
    assert "mode : {'a', 'b'}, optional, default='a'" in doc
    assert doc.startswith("Does nothing useful.")


@pytest.mark.parametrize("function, example", [
    (lambda: mx.nd.image.to_tensor, ">>> out = mx.nd.image.to_tensor(data)"),
    (lambda: mx.nd.contrib.box_nms, ">>> out = mx.nd.contrib.box_nms(data)"),
    (lambda: mx.sym.linalg.gemm2, ">>> out = mx.sym.linalg.gemm2(A, B)"),
    (lambda: mx.nd.relu, ">>> out = mx.nd.relu(data)"),
])
def test_generated_examples_name_the_namespace_the_function_lives_in(function, example):
    assert example in function().__doc__
