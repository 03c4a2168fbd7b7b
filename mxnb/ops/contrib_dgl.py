"""The DGL graph operators of MXNet's contrib namespace, on graphs stored as csr matrices
whose values are edge ids (row = source vertex, column = destination vertex):

    _contrib_edge_id            the edge id of each (u, v) pair, -1 where there is no edge
    _contrib_dgl_adjacency      the same edges with value 1.0 (float32)
    _contrib_dgl_subgraph       the subgraphs induced by sorted vertex lists
    _contrib_dgl_graph_compact  a sampled subgraph with its empty trailing rows and columns
                                removed, vertices renumbered
    _contrib_dgl_csr_neighbor_uniform_sample, _contrib_dgl_csr_neighbor_non_uniform_sample
                                breadth-first neighbour sampling from seed vertices

They read csr payloads only (mxnb/ops/sparse/storage.py): a dense graph is refused where the
storage types are inferred, as MXNet has no dense kernel for them. None is differentiable.
"""
import warnings

import numpy as np

from ..backend import to_host
from ..base import DTypeError, MXNetError, ShapeError, AttributeParseError, parse_shape
from .params import Bool, Int, Param
from .registry import operator
from .sparse.storage import CSR, INDEX_DTYPE


# --- shared checks --------------------------------------------------------------------------

def _need_csr(op_name, what, stype):
    if stype != "csr":
        raise MXNetError("%s: %s must be a csr array, found a %s array; cast it with "
                         "tostype('csr') first" % (op_name, what, stype))


def _need_dense(op_name, what, stype):
    if stype != "default":
        raise MXNetError("%s: %s must be a dense (default storage) array, found %s"
                         % (op_name, what, stype))


def _need_ndim(op_name, what, shape, ndim):
    if shape is not None and len(shape) != ndim:
        raise ShapeError("%s: %s must be %d-dimensional, found shape %s"
                         % (op_name, what, ndim, tuple(shape)))


def _need_int64(op_name, what, dtype):
    if dtype is not None and np.dtype(dtype) != np.int64:
        raise DTypeError("%s: %s must be int64 (vertex and edge ids), found %s"
                         % (op_name, what, np.dtype(dtype).name))


def _refuse_dense(op_name):
    """compute for dense inputs: storage inference refuses them first for eager calls; a
    program that reaches here was given a dense graph."""
    def compute(xp, inputs, attrs):
        raise MXNetError("%s takes a graph stored as a csr array, found a dense array"
                         % op_name)
    return compute


def _host_ints(xp, a):
    """A small index array as host int64 (vertex lists, for checks and Python loops)."""
    return to_host(a).astype(np.int64, copy=False)


def _last_positions(xp, vertices, size):
    """new_id[old vertex] = its last position in `vertices` (as MXNet's subgraph map, where a
    repeated vertex overwrites), -1 for vertices not listed."""
    new_id = xp.full((size,), -1, dtype=INDEX_DTYPE)
    count = vertices.shape[0]
    if count:
        unique, first_from_end = xp.unique(vertices[::-1], return_index=True)
        new_id[unique] = (count - 1 - first_from_end).astype(INDEX_DTYPE)
    return new_id


def _row_entries(xp, indptr, rows):
    """(positions of the stored entries of `rows`, in order, and the index in `rows` each
    belongs to). Searches rather than xp.repeat with array counts, which CuPy lacks."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    ends = xp.cumsum(counts)
    total = int(ends[-1]) if rows.shape[0] else 0
    flat = xp.arange(total, dtype=INDEX_DTYPE)
    owner = xp.searchsorted(ends, flat, side="right").astype(INDEX_DTYPE)
    if total == 0:
        return flat, owner
    positions = starts[owner] + (flat - (ends - counts)[owner])
    return positions.astype(INDEX_DTYPE), owner


def _entry_rows(xp, indptr):
    """The row of every stored entry of a csr matrix."""
    flat = xp.arange(int(indptr[-1]), dtype=INDEX_DTYPE)
    return (xp.searchsorted(indptr, flat, side="right") - 1).astype(INDEX_DTYPE)


def _indptr_from_counts(xp, counts):
    indptr = xp.zeros((counts.shape[0] + 1,), dtype=INDEX_DTYPE)
    if counts.shape[0]:
        xp.cumsum(counts, out=indptr[1:])
    return indptr


# --- edge_id --------------------------------------------------------------------------------

@operator("_contrib_edge_id", inputs=("data", "u", "v"), differentiable=False, hint="edge_id")
class EdgeId:
    """output[i] = data[u[i], v[i]], the edge id stored for the edge u[i] -> v[i] of the graph
    `data` (a csr matrix), or -1 where the graph has no such edge. u and v are 1-D vectors of
    one length (of any numeric dtype); the output has their shape and data's dtype. Where a row
    stores a column twice, the first stored value is returned (as MXNet)."""
    sparse_from_dense = True       # a dense graph goes through storage inference and is refused
    compute = staticmethod(_refuse_dense("_contrib_edge_id"))

    def infer_shape(attrs, in_shapes):
        data, u, v = in_shapes
        _need_ndim("_contrib_edge_id", "data", data, 2)
        _need_ndim("_contrib_edge_id", "u", u, 1)
        _need_ndim("_contrib_edge_id", "v", v, 1)
        known = u or v
        if u is not None and v is not None and tuple(u) != tuple(v):
            raise ShapeError("_contrib_edge_id: u and v must have one length, found shapes %s "
                             "and %s" % (tuple(u), tuple(v)))
        return [data, known, known], [known]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def infer_storage(attrs, in_stypes):
        _need_csr("_contrib_edge_id", "data", in_stypes[0])
        _need_dense("_contrib_edge_id", "u", in_stypes[1])
        _need_dense("_contrib_edge_id", "v", in_stypes[2])
        return ["default"]

    def compute_sparse(xp, inputs, attrs, out_stypes):
        graph, u, v = inputs
        EdgeId.infer_shape(attrs, [graph.shape, u.shape, v.shape])
        rows, cols = graph.shape
        src, dst = u.astype(INDEX_DTYPE), v.astype(INDEX_DTYPE)
        if src.shape[0] and bool(((src < 0) | (src >= rows)).any()):
            raise MXNetError("_contrib_edge_id: u holds vertex ids in [0, %d) (the graph's rows),"
                             " found values from %d to %d"
                             % (rows, int(src.min()), int(src.max())))
        out = xp.full(src.shape, -1, dtype=graph.data.dtype)
        if graph.data.shape[0] == 0 or src.shape[0] == 0:
            return out
        # Each stored entry as one key (row * cols + column), sorted by key then position: a
        # search finds the first stored value of a repeated column, as MXNet's linear scan.
        entry_rows = _entry_rows(xp, graph.indptr)
        keys = entry_rows * cols + graph.indices.astype(INDEX_DTYPE)
        order = xp.lexsort(xp.stack([xp.arange(keys.shape[0], dtype=INDEX_DTYPE), keys]))
        sorted_keys = keys[order]
        wanted = src * cols + dst
        at = xp.minimum(xp.searchsorted(sorted_keys, wanted), sorted_keys.shape[0] - 1)
        found = (sorted_keys[at] == wanted) & (dst >= 0) & (dst < cols)
        out[found] = graph.data[order[at[found]]]
        return out


# --- dgl_adjacency --------------------------------------------------------------------------

@operator("_contrib_dgl_adjacency", inputs=("data",), differentiable=False, hint="dgl_adjacency")
class DGLAdjacency:
    """The adjacency matrix of a graph whose csr values are edge ids (int64): the same stored
    edges, each with value 1.0, as a float32 csr matrix."""
    sparse_from_dense = True
    compute = staticmethod(_refuse_dense("_contrib_dgl_adjacency"))

    def infer_shape(attrs, in_shapes):
        _need_ndim("_contrib_dgl_adjacency", "data", in_shapes[0], 2)
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        _need_int64("_contrib_dgl_adjacency", "data", in_types[0])
        return [np.int64], [np.float32]

    def infer_storage(attrs, in_stypes):
        _need_csr("_contrib_dgl_adjacency", "data", in_stypes[0])
        return ["csr"]

    def compute_sparse(xp, inputs, attrs, out_stypes):
        graph = inputs[0]
        _need_int64("_contrib_dgl_adjacency", "data", graph.data.dtype)
        return CSR(xp.ones(graph.data.shape, dtype=np.float32), graph.indices.copy(),
                   graph.indptr.copy(), graph.shape)


# --- dgl_subgraph ---------------------------------------------------------------------------

def _subgraph_inputs(attrs):
    return ("graph",) + tuple("varray%d" % i for i in range(attrs["num_args"] - 1))


def _paired_outputs(count, mapping):
    """Outputs output0, output1, ...: the subgraphs, then (return_mapping) their mappings."""
    return tuple("output%d" % i for i in range(count * (2 if mapping else 1)))


@operator("_contrib_dgl_subgraph",
          params={"num_args": Int(doc="Number of input arguments, including all symbol inputs.",
                                  low=2),
                  "return_mapping": Bool(doc="Return mapping of vid and eid between the "
                                             "subgraph and the parent graph.")},
          variadic="num_args", inputs=_subgraph_inputs,
          outputs=lambda attrs: _paired_outputs(attrs["num_args"] - 1, attrs["return_mapping"]),
          differentiable=False, hint="dgl_subgraph")
class DGLSubgraph:
    """The subgraphs of `graph` (a csr matrix of int64 edge ids) induced by each sorted vertex
    list: subgraph i is len(v_i) x len(v_i), vertex v_i[j] renumbered j (a repeated vertex:
    its last j, as MXNet), holding every edge
    between two listed vertices with new edge ids 0, 1, ... in row-major order. With
    return_mapping, the same subgraphs holding the original edge ids follow."""
    sparse_from_dense = True
    compute = staticmethod(_refuse_dense("_contrib_dgl_subgraph"))

    def infer_shape(attrs, in_shapes):
        _need_ndim("_contrib_dgl_subgraph", "graph", in_shapes[0], 2)
        outs = []
        for i, shape in enumerate(in_shapes[1:]):
            _need_ndim("_contrib_dgl_subgraph", "vertex list %d" % i, shape, 1)
            outs.append(None if shape is None else (shape[0], shape[0]))
        return in_shapes, outs * (2 if attrs["return_mapping"] else 1)

    def infer_type(attrs, in_types):
        _need_int64("_contrib_dgl_subgraph", "graph", in_types[0])
        for i, dtype in enumerate(in_types[1:]):
            _need_int64("_contrib_dgl_subgraph", "vertex list %d" % i, dtype)
        count = (attrs["num_args"] - 1) * (2 if attrs["return_mapping"] else 1)
        return [np.int64] * len(in_types), [np.int64] * count

    def infer_storage(attrs, in_stypes):
        _need_csr("_contrib_dgl_subgraph", "graph", in_stypes[0])
        for i, stype in enumerate(in_stypes[1:]):
            _need_dense("_contrib_dgl_subgraph", "vertex list %d" % i, stype)
        count = (attrs["num_args"] - 1) * (2 if attrs["return_mapping"] else 1)
        return ["csr"] * count

    def compute_sparse(xp, inputs, attrs, out_stypes):
        graph, lists = inputs[0], inputs[1:]
        _need_int64("_contrib_dgl_subgraph", "graph", graph.data.dtype)
        pairs = [_induced(xp, graph, vertices, i) for i, vertices in enumerate(lists)]
        renumbered = [p[0] for p in pairs]
        return renumbered + [p[1] for p in pairs] if attrs["return_mapping"] else renumbered


def _induced(xp, graph, vertices, which):
    """(subgraph with new edge ids, subgraph with the original edge ids) for one vertex list."""
    name = "_contrib_dgl_subgraph"
    _need_int64(name, "vertex list %d" % which, vertices.dtype)
    _need_ndim(name, "vertex list %d" % which, vertices.shape, 1)
    rows, cols = graph.shape
    host = _host_ints(xp, vertices)
    if host.size and bool((host[1:] < host[:-1]).any()):
        raise MXNetError("%s: vertex list %d has to be sorted (ascending), found %s"
                         % (name, which, host.tolist()[:20]))
    if host.size and (host[0] < 0 or host[-1] >= rows):
        raise MXNetError("%s: vertex list %d holds ids in [0, %d) (the graph's vertices), found "
                         "values from %d to %d" % (name, which, rows, host[0], host[-1]))
    count = host.size
    new_id = _last_positions(xp, vertices, max(rows, cols))
    positions, owner = _row_entries(xp, graph.indptr, vertices)
    targets = new_id[graph.indices[positions]] if positions.shape[0] else positions
    keep = targets >= 0
    kept_positions, kept_targets = positions[keep], targets[keep].astype(INDEX_DTYPE)
    per_row = xp.bincount(owner[keep], minlength=count) if count else xp.zeros(0, INDEX_DTYPE)
    indptr = _indptr_from_counts(xp, per_row.astype(INDEX_DTYPE))
    nnz = kept_positions.shape[0]
    renumbered = CSR(xp.arange(nnz, dtype=np.int64), kept_targets, indptr, (count, count))
    original = CSR(graph.data[kept_positions], kept_targets.copy(), indptr.copy(),
                   (count, count))
    return renumbered, original


# --- dgl_graph_compact ----------------------------------------------------------------------

def _parse_sizes(value):
    """graph_sizes: a tuple of ints, also from a NumPy array or scalar (a sampler's count read
    back with asnumpy(), as MXNet's own examples pass it)."""
    if isinstance(value, np.ndarray):
        if value.ndim > 1 or not np.issubdtype(value.dtype, np.number):
            raise AttributeParseError("expected graph sizes (a tuple of ints), found %r" % (value,))
        return tuple(int(v) for v in value.reshape(-1))
    return parse_shape(value)


def _sizes_check(sizes):
    if any(s is None or s < 0 for s in sizes):
        return "expected non-negative vertex counts"
    return None


def _compact_inputs(attrs):
    half = attrs["num_args"] // 2
    return (tuple("graph%d" % i for i in range(half))
            + tuple("varray%d" % i for i in range(half)))


def _compact_check(attrs):
    args, sizes = attrs["num_args"], attrs["graph_sizes"]
    if args % 2:
        return ("num_args must be even (a graph and a vertex-id array per graph), found %d"
                % args)
    if len(sizes) != args // 2:
        return ("graph_sizes needs one size per graph (%d), found %d: %s"
                % (args // 2, len(sizes), sizes))
    return None


@operator("_contrib_dgl_graph_compact",
          params={"num_args": Int(doc="Number of input arguments.", low=2),
                  "return_mapping": Bool(doc="Return mapping of vid and eid between the "
                                             "subgraph and the parent graph."),
                  "graph_sizes": Param(_parse_sizes, doc="the number of vertices in each graph.",
                                       check=_sizes_check, domain="a tuple of counts >= 0")},
          variadic="num_args", inputs=_compact_inputs,
          outputs=lambda attrs: _paired_outputs(attrs["num_args"] // 2, attrs["return_mapping"]),
          differentiable=False, hint="dgl_graph_compact")
class DGLGraphCompact:
    """Compacts the graphs made by the neighbour samplers: graph i (a csr matrix of int64 edge
    ids, one row per sampled vertex and empty rows after graph_sizes[i]) comes with varray i,
    the original id of each row followed by the vertex count (length rows + 1). The result is
    graph_sizes[i] x graph_sizes[i]: the first graph_sizes[i] rows, every column renumbered to
    the (first) row whose original id it names, edge ids 0, 1, ... With return_mapping, the same
    graphs holding the input edge ids follow (MXNet 1.9.1 leaves those outputs unwritten)."""
    sparse_from_dense = True
    compute = staticmethod(_refuse_dense("_contrib_dgl_graph_compact"))
    check_attrs = _compact_check

    def infer_shape(attrs, in_shapes):
        half, sizes = attrs["num_args"] // 2, attrs["graph_sizes"]
        name = "_contrib_dgl_graph_compact"
        for i in range(half):
            graph, ids, size = in_shapes[i], in_shapes[half + i], sizes[i]
            _need_ndim(name, "graph %d" % i, graph, 2)
            _need_ndim(name, "vertex ids %d" % i, ids, 1)
            if graph is not None and (graph[0] < size or graph[1] < size):
                raise ShapeError("%s: graph %d of shape %s is smaller than its graph_sizes "
                                 "entry %d" % (name, i, tuple(graph), size))
            if ids is not None and ids[0] < size:
                raise ShapeError("%s: vertex ids %d has %d entries, fewer than its graph_sizes "
                                 "entry %d" % (name, i, ids[0], size))
        outs = [(s, s) for s in sizes]
        return in_shapes, outs * (2 if attrs["return_mapping"] else 1)

    def infer_type(attrs, in_types):
        half = attrs["num_args"] // 2
        for i, dtype in enumerate(in_types):
            what = "graph %d" % i if i < half else "vertex ids %d" % (i - half)
            _need_int64("_contrib_dgl_graph_compact", what, dtype)
        return [np.int64] * len(in_types), [np.int64] * len(DGLGraphCompact.output_names(attrs))

    def infer_storage(attrs, in_stypes):
        half = attrs["num_args"] // 2
        for i in range(half):
            _need_csr("_contrib_dgl_graph_compact", "graph %d" % i, in_stypes[i])
            _need_dense("_contrib_dgl_graph_compact", "vertex ids %d" % i, in_stypes[half + i])
        return ["csr"] * (half * (2 if attrs["return_mapping"] else 1))

    def compute_sparse(xp, inputs, attrs, out_stypes):
        half = attrs["num_args"] // 2
        DGLGraphCompact.infer_shape(attrs, [x.shape for x in inputs])
        pairs = [_compact(xp, inputs[i], inputs[half + i], attrs["graph_sizes"][i], i)
                 for i in range(half)]
        compacted = [p[0] for p in pairs]
        return compacted + [p[1] for p in pairs] if attrs["return_mapping"] else compacted


def _compact(xp, graph, ids, size, which):
    """(compacted graph with new edge ids, the same with the input's edge ids)."""
    name = "_contrib_dgl_graph_compact"
    _need_int64(name, "graph %d" % which, graph.data.dtype)
    _need_int64(name, "vertex ids %d" % which, ids.dtype)
    rows = graph.shape[0]
    host_ids = _host_ints(xp, ids)
    if host_ids.shape[0] != rows + 1:
        raise ShapeError("%s: vertex ids %d must hold one id per row of graph %d and then the "
                         "vertex count (%d entries), found %d"
                         % (name, which, which, rows + 1, host_ids.shape[0]))
    if host_ids[-1] != size:
        raise MXNetError("%s: graph_sizes entry %d is %d, but vertex ids %d ends with the count "
                         "%d" % (name, which, size, which, host_ids[-1]))
    listed = host_ids[:size]
    if (listed < 0).any():
        raise MXNetError("%s: vertex ids %d has -1 (no vertex) among its first %d entries"
                         % (name, which, size))
    host_ptr = _host_ints(xp, graph.indptr)
    nnz = int(host_ptr[-1])
    if int(host_ptr[size]) != nnz:
        raise MXNetError("%s: graph %d stores edges in rows after its first %d (graph_sizes): "
                         "only those rows may hold edges" % (name, which, size))
    indices = _host_ints(xp, graph.indices)
    top = max(int(listed.max()) if size else 0, int(indices.max()) if nnz else 0) + 1
    unique, first = np.unique(listed, return_index=True)
    new_id = np.full(top, -1, dtype=np.int64)
    new_id[unique] = first
    targets = new_id[indices]
    if (targets < 0).any():
        missing = sorted(set(indices[targets < 0].tolist()))[:10]
        raise MXNetError("%s: graph %d has edges to vertices %s that are not among its first %d "
                         "vertex ids" % (name, which, missing, size))
    targets = xp.asarray(targets)
    indptr = graph.indptr[:size + 1].astype(INDEX_DTYPE, copy=True)
    compacted = CSR(xp.arange(nnz, dtype=np.int64), targets, indptr, (size, size))
    mapping = CSR(graph.data.copy(), targets.copy(), indptr.copy(), (size, size))
    return compacted, mapping


# --- neighbour sampling ---------------------------------------------------------------------
# Breadth-first from the seeds: every vertex above the last layer gets up to num_neighbor of
# its stored neighbours (columns of its row) drawn without replacement, and the neighbours not
# seen before join the next layer, until max_num_vertices vertices are collected. A sequential
# walk with draws: it runs on the host (MXNet has a CPU kernel only), with mxnb's generator so
# that mx.random.seed makes it reproducible.

_SAMPLE_PARAMS = {
    "num_args": Int(doc="Number of input NDArray.", low=2),
    "num_hops": Int(1, doc="Number of hops.", low=0),
    "num_neighbor": Int(2, doc="Number of neighbor.", low=0),
    "max_num_vertices": Int(100, doc="Max number of vertices.", low=0),
}


def _draw_uniform(rng, count, k, weights):
    return rng.choice(count, size=k, replace=False)


def _draw_weighted(rng, count, k, weights):
    """k distinct positions drawn with probability proportional to `weights`, one after
    another; positions of weight 0 only once the positive ones are spent."""
    positive = np.flatnonzero(weights > 0)
    if positive.size >= k:
        chances = weights[positive] / weights[positive].sum()
        return rng.choice(positive, size=k, replace=False, p=chances)
    rest = np.flatnonzero(weights <= 0)
    return np.concatenate([positive, rng.choice(rest, size=k - positive.size, replace=False)])


class _Sampler:
    """One sampled subgraph: the walk, then its outputs in MXNet's layout."""

    def __init__(self, name, graph, probability, rng, attrs):
        self.name = name
        self.indptr = to_host(graph.indptr).astype(np.int64, copy=False)
        self.indices = to_host(graph.indices).astype(np.int64, copy=False)
        self.data = to_host(graph.data)
        self.probability = probability
        self.rng = rng
        self.hops, self.per_vertex = attrs["num_hops"], attrs["num_neighbor"]
        self.limit = attrs["max_num_vertices"]
        self.draw = _draw_uniform if probability is None else _draw_weighted

    def neighbours(self, vertex):
        """(columns, edge ids) of the sampled stored neighbours of `vertex`, in storage order."""
        start, stop = self.indptr[vertex], self.indptr[vertex + 1]
        cols, eids = self.indices[start:stop], self.data[start:stop]
        if cols.size <= self.per_vertex:
            return cols, eids
        weights = None if self.probability is None else self.probability[cols]
        picked = np.sort(self.draw(self.rng, cols.size, self.per_vertex, weights))
        return cols[picked], eids[picked]

    def walk(self, seeds):
        """{vertex: layer} of the collected vertices, {vertex: (columns, edge ids)} of those
        whose neighbours were sampled."""
        layer, queue, sampled = {}, [], {}
        for vertex in seeds.tolist():
            if vertex not in layer:
                layer[vertex] = 0
                queue.append(vertex)
        at = 0
        while at < len(queue) and len(layer) < self.limit:
            vertex = queue[at]
            at += 1
            if layer[vertex] >= self.hops:
                continue
            cols, eids = sampled[vertex] = self.neighbours(vertex)
            for col in cols.tolist():
                if len(layer) >= self.limit:
                    break
                if col not in layer:
                    layer[col] = layer[vertex] + 1
                    queue.append(col)
        if any(layer[v] < self.hops for v in queue[at:]):
            warnings.warn("%s: the sampling is truncated because it reached max_num_vertices=%d;"
                          " use fewer seeds or a smaller neighbourhood" % (self.name, self.limit))
        return layer, sampled

    def run(self, xp, seeds, id_dtype):
        rows = self.indptr.shape[0] - 1
        seeds = to_host(seeds).astype(np.int64, copy=False)
        if seeds.size > self.limit:
            raise MXNetError("%s: %d seed vertices, more than max_num_vertices=%d"
                             % (self.name, seeds.size, self.limit))
        if seeds.size and (seeds.min() < 0 or seeds.max() >= rows):
            raise MXNetError("%s: seed vertices must lie in [0, %d) (the graph's vertices), "
                             "found values from %d to %d"
                             % (self.name, rows, seeds.min(), seeds.max()))
        layer, sampled = self.walk(seeds)
        vertices = np.array(sorted(layer), dtype=np.int64)
        count = vertices.size
        ids = np.full(self.limit + 1, -1, dtype=id_dtype)
        ids[:count], ids[-1] = vertices, count
        layers = np.full(self.limit, -1, dtype=id_dtype)
        layers[:count] = [layer[v] for v in vertices.tolist()]
        empty = (self.indices[:0], self.data[:0])
        rows_out = [sampled.get(v, empty) for v in vertices.tolist()]
        counts = np.zeros(self.limit, dtype=np.int64)
        counts[:count] = [len(c) for c, _ in rows_out]
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(INDEX_DTYPE)
        cols = np.concatenate([c for c, _ in rows_out] + [empty[0]]).astype(INDEX_DTYPE)
        eids = np.concatenate([e for _, e in rows_out] + [empty[1]])
        sub = CSR(xp.asarray(eids), xp.asarray(cols), xp.asarray(indptr),
                  (self.limit, self.indptr.shape[0] - 1))
        extra = []
        if self.probability is not None:
            kept = np.zeros(self.limit, dtype=self.probability.dtype)
            kept[:count] = self.probability[vertices]
            extra = [xp.asarray(kept)]
        return [xp.asarray(ids), sub] + extra + [xp.asarray(layers)]


def _sampler(name, weighted):
    """The record of one neighbour sampler (uniform, or weighted by a probability vector)."""
    fixed = 2 if weighted else 1
    per_graph = 4 if weighted else 3

    def inputs(attrs):
        head = ("csr_matrix", "probability") if weighted else ("csr_matrix",)
        return head + tuple("seed_array%d" % i for i in range(attrs["num_args"] - fixed))

    def outputs(attrs):
        return tuple("output%d" % i for i in range(per_graph * (attrs["num_args"] - fixed)))

    def check_attrs(attrs):
        if attrs["num_args"] <= fixed:
            return ("num_args counts the graph%s and at least one seed array: expected at least "
                    "%d, found %d" % (" and the probability" if weighted else "", fixed + 1,
                                      attrs["num_args"]))
        return None

    def infer_shape(attrs, in_shapes):
        graph, seeds = in_shapes[0], in_shapes[fixed:]
        _need_ndim(name, "csr_matrix", graph, 2)
        if graph is not None and graph[0] != graph[1]:
            raise ShapeError("%s: the graph must be square (vertices x vertices), found shape %s"
                             % (name, tuple(graph)))
        if weighted:
            _need_ndim(name, "probability", in_shapes[1], 1)
            if graph is not None and in_shapes[1] is not None and in_shapes[1][0] != graph[0]:
                raise ShapeError("%s: probability needs one entry per vertex (%d), found shape "
                                 "%s" % (name, graph[0], tuple(in_shapes[1])))
        for i, shape in enumerate(seeds):
            _need_ndim(name, "seed array %d" % i, shape, 1)
        limit, count = attrs["max_num_vertices"], len(seeds)
        csr_shape = None if graph is None else (limit, graph[1])
        outs = [(limit + 1,)] * count + [csr_shape] * count
        outs += [(limit,)] * count * (2 if weighted else 1)
        return in_shapes, outs

    def infer_type(attrs, in_types):
        _need_int64(name, "csr_matrix", in_types[0])
        if weighted and in_types[1] is not None and np.dtype(in_types[1]) != np.float32:
            raise DTypeError("%s: probability must be float32, found %s"
                             % (name, np.dtype(in_types[1]).name))
        for i, dtype in enumerate(in_types[fixed:]):
            _need_int64(name, "seed array %d" % i, dtype)
        count = len(in_types) - fixed
        outs = [np.int64] * (2 * count) + ([np.float32] * count if weighted else [])
        outs += [np.int64] * count
        return [np.int64] + ([np.float32] if weighted else []) + [np.int64] * count, outs

    def infer_storage(attrs, in_stypes):
        _need_csr(name, "csr_matrix", in_stypes[0])
        for i, stype in enumerate(in_stypes[1:]):
            _need_dense(name, "input %d" % (i + 1), stype)
        count = len(in_stypes) - fixed
        return (["default"] * count + ["csr"] * count
                + ["default"] * count * (2 if weighted else 1))

    def compute_sparse(xp, inputs, attrs, out_stypes, is_train=False, rng=None):
        graph = inputs[0]
        infer_shape(attrs, [x.shape for x in inputs])
        infer_type(attrs, [x.dtype for x in inputs])
        probability = to_host(inputs[1]).astype(np.float64) if weighted else None
        if weighted and (probability < 0).any():
            raise MXNetError("%s: probability must be non-negative" % name)
        sampler = _Sampler(name, graph, probability, rng, attrs)
        per_seed = [sampler.run(xp, seeds, np.int64) for seeds in inputs[fixed:]]
        if weighted:   # the kept probabilities in the probability's own dtype
            for outs in per_seed:
                outs[2] = outs[2].astype(inputs[1].dtype)
        return [outs[k] for k in range(per_graph) for outs in per_seed]

    impl = type(name, (), {
        "__doc__": _SAMPLER_DOCS[weighted],
        "sparse_from_dense": True,
        "compute": staticmethod(_refuse_dense_extras(name)),
        "check_attrs": staticmethod(check_attrs),
        "infer_shape": staticmethod(infer_shape),
        "infer_type": staticmethod(infer_type),
        "infer_storage": staticmethod(infer_storage),
        "compute_sparse": staticmethod(compute_sparse)})
    return operator(name, params=_SAMPLE_PARAMS, variadic="num_args", inputs=inputs,
                    outputs=outputs, differentiable=False, needs_rng=True,
                    hint=name[len("_contrib_"):])(impl)


def _refuse_dense_extras(op_name):
    refuse = _refuse_dense(op_name)

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return refuse(xp, inputs, attrs)
    return compute


_SAMPLER_DOCS = {
    False: """Samples subgraphs of a csr graph (square, int64 edge ids), breadth-first from each
    int64 seed array: every vertex above layer num_hops gets up to num_neighbor of its stored
    neighbours, drawn uniformly without replacement; new ones join the next layer, up to
    max_num_vertices vertices. Outputs, one of each kind per seed array, kinds in this order:
    the sampled vertex ids ascending (length max_num_vertices + 1, unused entries -1, the last
    entry the vertex count); the sampled edges as a csr matrix (max_num_vertices x vertices),
    row i for vertex i of the id list, columns the original neighbour ids, values the edge ids;
    the layer of each vertex (length max_num_vertices, unused entries -1). Draws use mxnb's
    generator (mx.random.seed), not MXNet's clock-seeded one.""",
    True: """Samples subgraphs as _contrib_dgl_csr_neighbor_uniform_sample, with neighbours drawn
    without replacement with probability proportional to `probability` (float32, one entry per
    vertex). A fourth output kind, third in order, holds the probability of each sampled
    vertex (unused entries 0). Sampled neighbours keep their storage order, each with its own
    edge id (MXNet 1.9.1 sorts the neighbour ids and the edge ids of a row separately).""",
}

DGLNeighborUniformSample = _sampler("_contrib_dgl_csr_neighbor_uniform_sample", weighted=False)
DGLNeighborNonUniformSample = _sampler("_contrib_dgl_csr_neighbor_non_uniform_sample",
                                       weighted=True)
