"""Storage-type inference over a graph (MXNet's InferStorageType pass).

Each variable's storage type comes from the caller (simple_bind's `stype_dict`) or its
`__storage_type__` attribute (`sym.var(stype=...)`), else 'default'; each operator node's from
its record's storage-type inference (ops/sparse/dispatch.py), with 'default' outputs where it
falls back to dense. Gradients are graphs too, so the same pass gives the storage type of every
argument's gradient (csr . dense gives a row_sparse weight gradient).
"""
from ..base import MXNetError
from ..ops.sparse import dispatch
from .node import topo_sort

__all__ = ["infer_storage_types", "variable_stype", "STYPE_IDS"]

# MXNet's storage type ids, as sym.var writes them into __storage_type__.
STYPE_IDS = {"default": 0, "row_sparse": 1, "csr": 2}
_NAMES = {str(v): k for k, v in STYPE_IDS.items()}
_NAMES.update({k: k for k in STYPE_IDS})


def variable_stype(node, given):
    """A variable node's storage type: `given[name]`, else its attribute, else 'default'."""
    stype = given.get(node.name)
    if stype is None:
        stype = node.user_attrs.get("__storage_type__", "default")
    name = _NAMES.get(str(stype))
    if name is None:
        raise MXNetError("variable %s: expected a storage type in %s, found %r"
                         % (node.name, sorted(STYPE_IDS), stype))
    return name


def declares_sparse(symbol):
    """Whether binding `symbol` may involve sparse storage: a variable says it is sparse
    (`var(..., stype='csr')`), or an operator makes a sparse gradient of a dense input
    (Embedding(sparse_grad=True), contrib.SparseEmbedding: row_sparse weight gradients)."""
    for node in topo_sort(symbol._outputs):
        if node.op is None:
            if variable_stype(node, {}) != "default":
                return True
        elif node.attrs.get("sparse_grad") or node.op.name == "_contrib_SparseEmbedding":
            return True
    return False


def infer_storage_types(entries, given=None, nodes=None):
    """{(id(node), index): stype} for every entry the graph of `entries` reaches."""
    given = given or {}
    table = {}
    for node in nodes if nodes is not None else topo_sort(entries):
        if node.op is None:
            table[(id(node), 0)] = variable_stype(node, given)
            continue
        ins = [table.get((id(child), i), "default") for child, i in node.inputs]
        outs, _ = dispatch.infer_storage(node.op, node.attrs, ins)
        for i, stype in enumerate(outs):
            table[(id(node), i)] = stype
    return table


def gradient_stypes(program, wanted, given):
    """{variable name: storage type of its gradient} for the variable nodes `wanted`."""
    backward = program.build_backward(wanted)
    table = infer_storage_types(None, given, program.nodes)
    for node in backward.nodes:
        if node.op is None:
            table[(id(node), 0)] = "default"       # head gradients
            continue
        ins = [table.get((id(child), i), "default") for child, i in node.inputs]
        outs, _ = dispatch.infer_storage(node.op, node.attrs, ins)
        for i, stype in enumerate(outs):
            table[(id(node), i)] = stype
    slots = {slot: key for key, slot in program.slots.items()}
    return {node.name: table.get(slots.get(backward.grad_slots.get(id(node))), "default")
            for node in wanted}


def sparse_arrays(symbol, ctx, stype_dict, args, grads, reqs):
    """simple_bind's arrays with storage types: arguments as `stype_dict` (and the variables'
    own stype attributes) say, gradients as storage-type inference of the backward graph says."""
    from ..ndarray import sparse
    from .program import Program
    names = symbol.list_arguments()
    unknown = [n for n in stype_dict if n not in names]
    if unknown:
        raise MXNetError("simple_bind: stype_dict names %s, which are not arguments; arguments "
                         "are %s" % (unknown, names))
    program = Program(symbol._outputs)
    by_name = {n.name: n for n in program.variables}
    stypes = {n: variable_stype(by_name[n], stype_dict) for n in names}
    args = [a if stypes[n] == "default" else sparse.zeros(stypes[n], a.shape, ctx=ctx, dtype=a.dtype)
            for n, a in zip(names, args)]
    wanted = [by_name[n] for n, r in zip(names, reqs) if r != "null"]
    grad_stypes = gradient_stypes(program, wanted, stypes) if wanted else {}
    grads = [g if g is None or grad_stypes.get(n, "default") == "default"
             else sparse.zeros(grad_stypes[n], g.shape, ctx=ctx, dtype=g.dtype)
             for n, g in zip(names, grads)]
    return args, grads


def write_gradients(wanted, grad_slots, values, ctx):
    """Writes (or adds) the backward pass's gradients into gradient arrays of any storage type."""
    from ..ndarray.sparse import wrap_payload, accumulate_grad, zeros
    for node, target, req in wanted:
        slot = grad_slots.get(id(node))
        if slot is None:
            if req == "write":
                accumulate_grad(target, zeros(target.stype, target.shape, ctx=ctx,
                                              dtype=target.dtype), "write")
            continue
        accumulate_grad(target, wrap_payload(values[slot], ctx), req)
