"""The DGL graph operators (nd.contrib.edge_id, dgl_adjacency, dgl_subgraph, dgl_graph_compact)
on csr graphs whose values are edge ids, against loop references over the csr parts."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError

from .harness import Case, run_case


def _random_graph(n, density, seed, cols=None):
    """csr parts (data = edge ids 0.., indices, indptr) of a random n x cols graph, sorted rows."""
    rng = np.random.RandomState(seed)
    cols = cols or n
    mask = rng.uniform(size=(n, cols)) < density
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int64)
    indices = np.nonzero(mask)[1].astype(np.int64)
    data = rng.permutation(indices.size).astype(np.int64) + 1
    return data, indices, indptr, (n, cols)


def _csr(parts, ctx, dtype=np.int64):
    data, indices, indptr, shape = parts
    return nd.sparse.csr_matrix((data.astype(dtype), indices, indptr), shape=shape, ctx=ctx)


def _entries(parts):
    """(row, column, value) of every stored entry, in storage order."""
    data, indices, indptr, _ = parts
    for row in range(len(indptr) - 1):
        for pos in range(indptr[row], indptr[row + 1]):
            yield row, indices[pos], data[pos]


def _assert_csr(out, data, indices, indptr, shape, dtype=np.int64):
    assert out.stype == "csr" and out.shape == tuple(shape) and out.dtype == dtype
    np.testing.assert_array_equal(out.indptr.asnumpy(), indptr)
    np.testing.assert_array_equal(out.indices.asnumpy(), indices)
    np.testing.assert_array_equal(out.data.asnumpy(), data)


# --- edge_id --------------------------------------------------------------------------------

def edge_id_reference(parts, u, v):
    first = {}
    for row, col, value in _entries(parts):
        first.setdefault((row, col), value)
    return np.array([first.get((a, b), -1) for a, b in zip(u, v)])


def _check_edge_id(case, ctx):
    parts = _random_graph(7, 0.4, 0, cols=9)
    rng = np.random.RandomState(1)
    stored = list(_entries(parts))
    picks = rng.choice(len(stored), 6)
    # half the queries are stored edges, the rest random pairs (mostly absent)
    u = np.concatenate([[stored[i][0] for i in picks], rng.randint(0, 7, 6)])
    v = np.concatenate([[stored[i][1] for i in picks], rng.randint(0, 9, 6)])
    for dtype, index_dtype in ((np.float32, np.float32), (np.int64, np.int64)):
        out = nd.contrib.edge_id(_csr(parts, ctx, dtype), nd.array(u, ctx=ctx, dtype=index_dtype),
                                 nd.array(v, ctx=ctx, dtype=index_dtype))
        assert out.stype == "default" and out.dtype == dtype and out.context == ctx
        np.testing.assert_array_equal(out.asnumpy(), edge_id_reference(parts, u, v))


def _check_edge_id_repeated_and_empty(case, ctx):
    # row 0 stores column 2 twice: the first stored value is returned
    parts = (np.array([5, 6, 7], np.int64), np.array([2, 2, 1], np.int64),
             np.array([0, 2, 3], np.int64), (2, 3))
    u, v = np.array([0, 1, 1, 0]), np.array([2, 1, 0, 5])
    out = nd.contrib.edge_id(_csr(parts, ctx), nd.array(u, ctx=ctx), nd.array(v, ctx=ctx))
    np.testing.assert_array_equal(out.asnumpy(), edge_id_reference(parts, u, v))
    empty = nd.sparse.zeros("csr", (3, 3), ctx=ctx)
    np.testing.assert_array_equal(
        nd.contrib.edge_id(empty, nd.array([0, 2], ctx=ctx), nd.array([1, 2], ctx=ctx)).asnumpy(),
        [-1, -1])


# --- dgl_adjacency --------------------------------------------------------------------------

def _check_adjacency(case, ctx):
    parts = _random_graph(12, 0.3, 2)
    out = nd.contrib.dgl_adjacency(_csr(parts, ctx))
    assert out.context == ctx
    _assert_csr(out, np.ones(parts[0].size, np.float32), parts[1], parts[2], parts[3], np.float32)
    dense = np.zeros(parts[3], np.float32)
    for row, col, _ in _entries(parts):
        dense[row, col] = 1
    np.testing.assert_array_equal(out.asnumpy(), dense)


# --- dgl_subgraph ---------------------------------------------------------------------------

def subgraph_reference(parts, vertices):
    """(data with new ids, data with old ids, indices, indptr) of the induced subgraph; a
    repeated vertex is renumbered to its last position (as MXNet 1.9.1)."""
    position = {}
    for i, vertex in enumerate(vertices):
        position[vertex] = i
    old, indices, indptr = [], [], [0]
    data, all_indices, all_indptr, _ = parts
    for vertex in vertices:
        for pos in range(all_indptr[vertex], all_indptr[vertex + 1]):
            if all_indices[pos] in position:
                old.append(data[pos])
                indices.append(position[all_indices[pos]])
        indptr.append(len(indices))
    return np.arange(len(old)), np.array(old), np.array(indices), np.array(indptr)


def _check_subgraph(case, ctx):
    parts = _random_graph(30, 0.25, 3)
    rng = np.random.RandomState(4)
    lists = [np.unique(rng.randint(0, 30, 10)), np.array([2, 5, 5, 29]), np.array([], np.int64)]
    graph = _csr(parts, ctx)
    for mapping in (False, True):
        outs = nd.contrib.dgl_subgraph(graph, *[nd.array(v, ctx=ctx, dtype=np.int64) for v in lists],
                                       return_mapping=mapping)
        assert len(outs) == len(lists) * (2 if mapping else 1)
        for i, vertices in enumerate(lists):
            new, old, indices, indptr = subgraph_reference(parts, list(vertices))
            shape = (len(vertices), len(vertices))
            _assert_csr(outs[i], new, indices, indptr, shape)
            if mapping:
                _assert_csr(outs[len(lists) + i], old, indices, indptr, shape)


# --- dgl_graph_compact ----------------------------------------------------------------------

def compact_reference(parts, ids, size):
    """A repeated original id names its first row (as MXNet 1.9.1)."""
    data, indices, indptr, _ = parts
    position = {}
    for i, vertex in enumerate(ids[:size]):
        position.setdefault(vertex, i)
    return (np.arange(indptr[-1]), data, np.array([position[c] for c in indices], np.int64),
            indptr[:size + 1])


def _sampled_graph():
    """A graph as the samplers leave it: 6 rows, the first 4 for sampled vertices (original ids
    7, 3, 9, 3: one repeated), edges between them named by original id, 2 empty rows; ids end
    with the count."""
    ids = np.array([7, 3, 9, 3, -1, -1, 4], np.int64)
    indptr = np.array([0, 2, 3, 3, 5, 5, 5], np.int64)
    indices = np.array([3, 9, 7, 9, 3], np.int64)    # original vertex ids, columns up to 9
    data = np.array([11, 12, 13, 14, 15], np.int64)
    return (data, indices, indptr, (6, 10)), ids


def _check_compact(case, ctx):
    parts, ids = _sampled_graph()
    graph, id_array = _csr(parts, ctx), nd.array(ids, ctx=ctx, dtype=np.int64)
    new, old, indices, indptr = compact_reference(parts, ids, 4)
    out = nd.contrib.dgl_graph_compact(graph, id_array, graph_sizes=(4,), return_mapping=False)
    _assert_csr(out, new, indices, indptr, (4, 4))
    # two graphs at once, sizes given as a NumPy array (as read back from a sampler's count)
    both = nd.contrib.dgl_graph_compact(graph, graph, id_array, id_array,
                                        graph_sizes=np.array([4, 4]), return_mapping=True)
    assert len(both) == 4
    for k in range(2):
        _assert_csr(both[k], new, indices, indptr, (4, 4))
        _assert_csr(both[2 + k], old, indices, indptr, (4, 4))


# --- neighbour samplers -----------------------------------------------------------------------

def bfs_reference(parts, seeds, hops, limit):
    """Every neighbour taken (num_neighbor >= every degree): the breadth-first walk is then
    deterministic. Returns (vertex -> layer, vertex -> [(column, edge id)] of expanded ones)."""
    layer, queue, expanded = {}, [], {}
    for seed in seeds:
        if seed not in layer:
            layer[seed] = 0
            queue.append(seed)
    at = 0
    while at < len(queue) and len(layer) < limit:
        vertex = queue[at]
        at += 1
        if layer[vertex] >= hops:
            continue
        row = [(c, e) for r, c, e in _entries(parts) if r == vertex]
        expanded[vertex] = row
        for col, _ in row:
            if len(layer) >= limit:
                break
            if col not in layer:
                layer[col] = layer[vertex] + 1
                queue.append(col)
    return layer, expanded


def _check_sampled(outs, parts, seeds, hops, limit, weights=None):
    """The outputs of one seed array against the deterministic reference walk."""
    ids, sub, layers = outs[0].asnumpy(), outs[1], outs[-1].asnumpy()
    layer, expanded = bfs_reference(parts, seeds, hops, limit)
    vertices = sorted(layer)
    count = len(vertices)
    np.testing.assert_array_equal(ids, vertices + [-1] * (limit - count) + [count])
    np.testing.assert_array_equal(layers, [layer[v] for v in vertices] + [-1] * (limit - count))
    rows = [expanded.get(v, []) for v in vertices] + [[]] * (limit - count)
    _assert_csr(sub, np.array([e for row in rows for _, e in row], np.int64),
                np.array([c for row in rows for c, _ in row], np.int64),
                np.concatenate([[0], np.cumsum([len(row) for row in rows])]),
                (limit, parts[3][1]))
    if weights is not None:
        np.testing.assert_allclose(outs[2].asnumpy(),
                                   list(weights[vertices]) + [0] * (limit - count))


_WALKS = [([0], 2, 12), ([3, 1], 1, 6), ([5], 3, 4), ([2, 7, 2], 2, 12), ([4], 0, 3)]


def _check_uniform_sample(case, ctx):
    parts = _random_graph(12, 0.3, 6)
    graph = _csr(parts, ctx)
    for seeds, hops, limit in _WALKS:
        with warnings.catch_warnings():     # some walks truncate; tested on its own below
            warnings.simplefilter("ignore")
            outs = nd.contrib.dgl_csr_neighbor_uniform_sample(
                graph, nd.array(seeds, ctx=ctx, dtype=np.int64), num_hops=hops, num_neighbor=12,
                max_num_vertices=limit)
        assert len(outs) == 3
        _check_sampled(outs, parts, seeds, hops, limit)


def _check_non_uniform_sample(case, ctx):
    parts = _random_graph(12, 0.3, 7)
    weights = np.random.RandomState(8).uniform(0.1, 1.0, 12).astype(np.float32)
    graph, prob = _csr(parts, ctx), nd.array(weights, ctx=ctx)
    for seeds, hops, limit in _WALKS:
        with warnings.catch_warnings():     # some walks truncate; tested on its own below
            warnings.simplefilter("ignore")
            outs = nd.contrib.dgl_csr_neighbor_non_uniform_sample(
                graph, prob, nd.array(seeds, ctx=ctx, dtype=np.int64), num_hops=hops,
                num_neighbor=12, max_num_vertices=limit)
        assert len(outs) == 4 and outs[2].dtype == np.float32
        _check_sampled(outs, parts, seeds, hops, limit, weights)


CASES = [
    Case("_contrib_dgl_csr_neighbor_uniform_sample", [], check=_check_uniform_sample, grad=False,
         name="dgl_csr_neighbor_uniform_sample, every neighbour"),
    Case("_contrib_dgl_csr_neighbor_non_uniform_sample", [], check=_check_non_uniform_sample,
         grad=False, name="dgl_csr_neighbor_non_uniform_sample, every neighbour"),
    Case("_contrib_edge_id", [], check=_check_edge_id, grad=False, name="edge_id"),
    Case("_contrib_edge_id", [], check=_check_edge_id_repeated_and_empty, grad=False,
         name="edge_id repeated column, empty graph"),
    Case("_contrib_dgl_adjacency", [], check=_check_adjacency, grad=False, name="dgl_adjacency"),
    Case("_contrib_dgl_subgraph", [], check=_check_subgraph, grad=False, name="dgl_subgraph"),
    Case("_contrib_dgl_graph_compact", [], check=_check_compact, grad=False,
         name="dgl_graph_compact"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case(case):
    run_case(case, mx.cpu())


def test_mxnet_doc_examples():
    x = nd.array([[1, 0, 0, 2], [3, 0, 4, 0], [0, 5, 0, 0], [0, 6, 7, 0]]).tostype("csr")
    x = x.astype(np.int64)
    new, old = nd.contrib.dgl_subgraph(x, nd.array([0, 1, 2], dtype=np.int64), return_mapping=True)
    np.testing.assert_array_equal(new.asnumpy(), [[1, 0, 0], [2, 0, 3], [0, 4, 0]] - np.array(
        [[1, 0, 0], [1, 0, 1], [0, 1, 0]]))     # new edge ids start at 0
    np.testing.assert_array_equal(old.asnumpy(), [[1, 0, 0], [3, 0, 4], [0, 5, 0]])
    eye = nd.array(np.diag([1, 2, 3])).tostype("csr")
    np.testing.assert_array_equal(
        nd.contrib.edge_id(eye, nd.array([0, 0, 1, 1, 2, 2]), nd.array([0, 1, 1, 2, 0, 2])).asnumpy(),
        [1, -1, 2, -1, -1, 3])


def test_symbolic_shapes_types_and_outputs():
    g, v1, v2 = (mx.sym.var(n) for n in ("g", "v1", "v2"))
    sub = mx.sym.contrib.dgl_subgraph(g, v1, v2, return_mapping=True)
    assert len(sub.list_outputs()) == 4 and sub.list_arguments() == ["g", "v1", "v2"]
    _, shapes, _ = sub.infer_shape(g=(10, 10), v1=(3,), v2=(5,))
    assert shapes == [(3, 3), (5, 5), (3, 3), (5, 5)]
    compact = mx.sym.contrib.dgl_graph_compact(g, v1, graph_sizes=(4,), return_mapping=False)
    _, shapes, _ = compact.infer_shape(g=(6, 10), v1=(7,))
    assert shapes == [(4, 4)]
    _, types, _ = compact.infer_type(g=np.int64, v1=np.int64)
    assert [np.dtype(t) for t in types] == [np.int64]
    edge = mx.sym.contrib.edge_id(g, v1, v2)
    _, shapes, _ = edge.infer_shape(g=(4, 4), v1=(6,))
    assert shapes == [(6,)]
    _, types, _ = mx.sym.contrib.dgl_adjacency(g).infer_type(g=np.int64)
    assert [np.dtype(t) for t in types] == [np.float32]
    sample = mx.sym.contrib.dgl_csr_neighbor_non_uniform_sample(g, v1, v2, max_num_vertices=8)
    assert sample.list_arguments() == ["g", "v1", "v2"] and len(sample.list_outputs()) == 4
    _, shapes, _ = sample.infer_shape(g=(20, 20), v1=(20,), v2=(3,))
    assert shapes == [(9,), (8, 20), (8,), (8,)]
    _, types, _ = sample.infer_type(g=np.int64, v1=np.float32, v2=np.int64)
    assert [np.dtype(t) for t in types] == [np.int64, np.int64, np.float32, np.int64]


def test_bad_inputs_raise_clear_errors():
    parts = _random_graph(5, 0.5, 5)
    graph = _csr(parts, mx.cpu())
    dense = nd.array(np.eye(5))
    with pytest.raises(MXNetError, match="csr"):
        nd.contrib.edge_id(dense, nd.array([0]), nd.array([1])).asnumpy()
    with pytest.raises(MXNetError, match="one length"):
        nd.contrib.edge_id(graph, nd.array([0, 1]), nd.array([1])).asnumpy()
    with pytest.raises(MXNetError, match=r"u holds vertex ids in \[0, 5\)"):
        nd.contrib.edge_id(graph, nd.array([7]), nd.array([1])).asnumpy()
    with pytest.raises(TypeError, match="int64"):
        nd.contrib.dgl_adjacency(_csr(parts, mx.cpu(), np.float32)).asnumpy()
    with pytest.raises(MXNetError, match="sorted"):
        nd.contrib.dgl_subgraph(graph, nd.array([3, 1], dtype=np.int64),
                                return_mapping=False).asnumpy()
    with pytest.raises(MXNetError, match=r"ids in \[0, 5\)"):
        nd.contrib.dgl_subgraph(graph, nd.array([1, 9], dtype=np.int64),
                                return_mapping=False).asnumpy()
    sampled, ids = _sampled_graph()
    with pytest.raises(MXNetError, match="ends with the count"):
        nd.contrib.dgl_graph_compact(_csr(sampled, mx.cpu()), nd.array(ids, dtype=np.int64),
                                     graph_sizes=(3,), return_mapping=False).asnumpy()
    with pytest.raises(MXNetError, match="num_args must be even"):
        nd.contrib.dgl_graph_compact(_csr(sampled, mx.cpu()), nd.array(ids, dtype=np.int64),
                                     _csr(sampled, mx.cpu()), graph_sizes=(4,),
                                     return_mapping=False).asnumpy()


def _star_graph():
    """Vertex 0 stores edges to 1..6 (edge ids 10..15); vertices 1..6 store an edge back."""
    cols = np.concatenate([np.arange(1, 7), np.zeros(6)]).astype(np.int64)
    indptr = np.concatenate([[0, 6], 6 + np.arange(1, 7)]).astype(np.int64)
    data = np.concatenate([np.arange(10, 16), np.arange(20, 26)]).astype(np.int64)
    return data, cols, indptr, (7, 7)


def test_uniform_sample_draws_distinct_neighbours_uniformly():
    parts = _star_graph()
    graph, seed = _csr(parts, mx.cpu()), nd.array([0], dtype=np.int64)
    counts = np.zeros(7)
    for _ in range(600):
        ids, sub, layers = nd.contrib.dgl_csr_neighbor_uniform_sample(
            graph, seed, num_hops=1, num_neighbor=2, max_num_vertices=7)
        cols, eids = sub.indices.asnumpy(), sub.data.asnumpy()
        # row 0 (vertex 0) holds two distinct neighbours in storage order, with their edge ids
        assert sub.indptr.asnumpy()[1] == 2 and cols[0] < cols[1]
        np.testing.assert_array_equal(eids, cols + 9)
        np.testing.assert_array_equal(ids.asnumpy()[:3], [0] + list(cols))
        np.testing.assert_array_equal(layers.asnumpy()[:3], [0, 1, 1])
        counts[cols] += 1
    # each of the 6 neighbours is drawn with probability 2/6
    np.testing.assert_allclose(counts[1:] / 600, 1 / 3, atol=0.08)


def test_non_uniform_sample_follows_the_probabilities():
    parts = _star_graph()
    weights = np.array([1, 0.6, 0.3, 0.1, 0, 0, 0], np.float32)
    graph, seed = _csr(parts, mx.cpu()), nd.array([0], dtype=np.int64)
    counts = np.zeros(7)
    for _ in range(600):
        outs = nd.contrib.dgl_csr_neighbor_non_uniform_sample(
            graph, nd.array(weights), seed, num_hops=1, num_neighbor=1, max_num_vertices=7)
        (col,) = outs[1].indices.asnumpy()
        assert outs[1].data.asnumpy()[0] == col + 9
        np.testing.assert_allclose(outs[2].asnumpy()[:2], [1, weights[col]])
        counts[col] += 1
    assert counts[4:].sum() == 0                  # weight 0: never while others remain
    np.testing.assert_allclose(counts[1:4] / 600, [0.6, 0.3, 0.1], atol=0.07)
    # more draws than positive weights: the zero-weight neighbours fill the rest
    outs = nd.contrib.dgl_csr_neighbor_non_uniform_sample(
        graph, nd.array(weights), seed, num_hops=1, num_neighbor=5, max_num_vertices=7)
    cols = outs[1].indices.asnumpy()
    assert len(set(cols)) == 5 and {1, 2, 3} <= set(cols)


def test_samples_repeat_under_one_seed_and_compact():
    parts = _random_graph(40, 0.2, 9)
    graph, seeds = _csr(parts, mx.cpu()), nd.array([0, 5, 17], dtype=np.int64)

    def draw():
        mx.random.seed(42)
        return nd.contrib.dgl_csr_neighbor_uniform_sample(graph, seeds, num_hops=2,
                                                          num_neighbor=2, max_num_vertices=40)
    first, again = draw(), draw()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    ids, sub = first[0].asnumpy(), first[1]
    count = int(ids[-1])
    new, old, indices, indptr = compact_reference(
        (sub.data.asnumpy(), sub.indices.asnumpy(), sub.indptr.asnumpy(), sub.shape), ids, count)
    compact = nd.contrib.dgl_graph_compact(sub, first[0], graph_sizes=(count,),
                                           return_mapping=False)
    _assert_csr(compact, new, indices, indptr, (count, count))
    # every sampled edge is an edge of the graph, with its edge id
    dense = np.full(parts[3], -1)
    for row, col, value in _entries(parts):
        dense[row, col] = value
    rows = np.repeat(ids[:count], np.diff(sub.indptr.asnumpy()[:count + 1]))
    np.testing.assert_array_equal(dense[rows, sub.indices.asnumpy()], sub.data.asnumpy())


def test_sampler_truncation_warns_and_bad_inputs_raise():
    parts = _random_graph(12, 0.5, 10)
    graph = _csr(parts, mx.cpu())
    with pytest.warns(UserWarning, match="truncated"):
        nd.contrib.dgl_csr_neighbor_uniform_sample(graph, nd.array([0, 1], dtype=np.int64),
                                                   num_hops=2, max_num_vertices=3)[0].asnumpy()
    with pytest.raises(MXNetError, match="more than max_num_vertices"):
        nd.contrib.dgl_csr_neighbor_uniform_sample(graph, nd.array([0, 1, 2], dtype=np.int64),
                                                   max_num_vertices=2)[0].asnumpy()
    with pytest.raises(MXNetError, match=r"seed vertices must lie in \[0, 12\)"):
        nd.contrib.dgl_csr_neighbor_uniform_sample(graph, nd.array([12], dtype=np.int64))[0].asnumpy()
    with pytest.raises(MXNetError, match="square"):
        nd.contrib.dgl_csr_neighbor_uniform_sample(_csr(_random_graph(4, 0.5, 1, cols=5), mx.cpu()),
                                                   nd.array([0], dtype=np.int64))[0].asnumpy()
    with pytest.raises(TypeError, match="probability must be float32"):
        nd.contrib.dgl_csr_neighbor_non_uniform_sample(
            graph, nd.ones((12,), dtype=np.float64), nd.array([0], dtype=np.int64))[0].asnumpy()
    with pytest.raises(MXNetError, match="csr"):
        nd.contrib.dgl_csr_neighbor_uniform_sample(nd.ones((3, 3)), nd.array([0], dtype=np.int64))[0].asnumpy()
