"""The operator registry (`registry`) and every operator family; importing this fills the registry."""
from . import registry
from . import elemwise, creation, unary, reduce, matmul, linalg, shape, indexing, nn, random  # noqa: F401
from . import distributions  # noqa: F401
from . import custom  # noqa: F401,E402  (Custom: operators written in Python)
from . import optimizer_update  # noqa: F401
from . import linalg_diag, linalg_triangular, linalg_factor, linalg_det  # noqa: F401
from . import combine, index_ops, special, nn_extra  # noqa: F401
from . import legacy  # noqa: F401
from . import transformer  # noqa: F401
from . import bounding_box  # noqa: F401
from . import signal, adaptive_pooling  # noqa: F401
from . import detection  # noqa: F401
from . import image  # noqa: F401  (_image_* operators: nd.image / sym.image)
from . import correlation  # noqa: F401
from . import deformable_conv  # noqa: F401
from . import proposal  # noqa: F401
from . import batch_norm_contrib  # noqa: F401
from . import quantization  # noqa: F401  (_contrib_quantize, _contrib_quantize_v2, _contrib_dequantize)
from . import control_flow  # noqa: F401
from . import cached_op_node  # noqa: F401  (_CachedOp: a whole symbol as one node)
from . import contrib_hawkes  # noqa: F401  (_contrib_hawkesll)
# Last: the sparse kernels attach to operator records registered above.
from . import sparse  # noqa: F401,E402 (storage-type inference and sparse kernels)
from . import contrib_dgl  # noqa: F401,E402  (_contrib_edge_id, _contrib_dgl_*: csr graph operators)
