"""Every registered operator is covered by at least one NumPy-referenced case, and every
differentiable one by a case whose second order was checked (or that saw its clear error)."""
import importlib
import pathlib

import mxnb as mx
from mxnb.ops import registry

from . import harness


def all_cases():
    cases = []
    here = pathlib.Path(__file__).parent
    for path in sorted(here.glob("test_*.py")):
        if path.stem in ("test_registry_coverage", "test_fuzz"):
            continue
        module = importlib.import_module("tests.ops." + path.stem)
        cases.extend(getattr(module, "CASES", []))
    return cases


def covered_operators():
    return {registry.get(case.op).name for case in all_cases()}


def test_every_operator_has_a_case():
    missing = sorted(set(registry.all_operators()) - covered_operators())
    assert not missing, "operators without a test case: %s" % missing


def test_every_differentiable_operator_has_its_second_order_checked():
    """The harness checks second order for every grad=True case as it runs; cases that ran in
    another order (or not yet) are run here, so the result does not depend on test order."""
    for case in all_cases():
        if registry.get(case.op).differentiable:
            harness.check_second_order(case, mx.cpu())
    differentiable = {name for name, op in registry.all_operators().items() if op.differentiable}
    missing = sorted(differentiable - set(harness.SECOND_ORDER))
    assert not missing, ("differentiable operators whose second order no case checked (give "
                         "one a grad=True case, or declare differentiable=False if the gradient "
                         "is zero by definition): %s" % missing)
