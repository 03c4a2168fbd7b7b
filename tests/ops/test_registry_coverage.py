"""Every registered operator is covered by at least one NumPy-referenced case."""
import importlib
import pathlib

from mxnb.ops import registry


def covered_operators():
    names = set()
    here = pathlib.Path(__file__).parent
    for path in sorted(here.glob("test_*.py")):
        if path.stem == "test_registry_coverage":
            continue
        module = importlib.import_module("tests.ops." + path.stem)
        for case in getattr(module, "CASES", []):
            names.add(registry.get(case.op).name)
    return names


def test_every_operator_has_a_case():
    missing = sorted(set(registry.all_operators()) - covered_operators())
    assert not missing, "operators without a test case: %s" % missing
