"""Malformed symbol JSON raises an MXNetError naming the file and the node and saying what is
wrong, instead of "list index out of range" or a UnicodeDecodeError (issue 6)."""
import json

import pytest

import mxnb as mx
from mxnb.base import MXNetError


def _graph():
    s = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=3, name="fc")
    return json.loads(mx.sym.Activation(s, act_type="relu", name="act").tojson())


def _save(tmp_path, graph):
    path = tmp_path / "net-symbol.json"
    path.write_text(json.dumps(graph))
    return str(path)


def test_a_well_formed_graph_loads(tmp_path):
    s = mx.sym.load(_save(tmp_path, _graph()))
    assert s.list_arguments() == ["x", "fc_weight", "fc_bias"]


def test_a_cycle_names_the_node_and_the_file(tmp_path):
    graph = _graph()
    graph["nodes"][3]["inputs"][0] = [4, 0, 0]     # fc reads act, which reads fc
    path = _save(tmp_path, graph)
    with pytest.raises(MXNetError) as info:
        mx.sym.load(path)
    message = str(info.value)
    assert path in message and "'fc'" in message and "cycle" in message


@pytest.mark.parametrize("entry, words", [([17, 0, 0], ["outside", "17"]),
                                          ([-1, 0, 0], ["-1"]),
                                          ([0, 3, 0], ["output 3", "'x'"])])
def test_a_bad_input_index_names_the_node(tmp_path, entry, words):
    graph = _graph()
    graph["nodes"][3]["inputs"][1] = entry
    path = _save(tmp_path, graph)
    with pytest.raises(MXNetError) as info:
        mx.sym.load(path)
    message = str(info.value)
    assert path in message and "'fc'" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("heads", [[[9, 0, 0]], [[4, 1, 0]], [["a"]], []])
def test_a_bad_head_is_reported(tmp_path, heads):
    graph = _graph()
    graph["heads"] = heads
    path = _save(tmp_path, graph)
    with pytest.raises(MXNetError, match="head"):
        mx.sym.load(path)


def test_a_wrong_number_of_inputs_names_the_operator():
    graph = _graph()
    graph["nodes"][3]["inputs"].pop()
    with pytest.raises(MXNetError, match="'fc'.*FullyConnected.*2 inputs.*takes 3"):
        mx.sym.load_json(json.dumps(graph))


def test_a_binary_file_names_the_file(tmp_path):
    path = tmp_path / "net-0000.params"
    path.write_bytes(b"\x12\x01\x00\x00\xff\xfe\x00\x80" * 8)
    with pytest.raises(MXNetError) as info:
        mx.sym.load(str(path))
    assert str(path) in str(info.value) and "not a symbol JSON" in str(info.value)


def test_text_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{nodes: oops")
    with pytest.raises(MXNetError) as info:
        mx.sym.load(str(path))
    assert str(path) in str(info.value)
