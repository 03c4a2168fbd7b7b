"""`gluon.nn`: neural-network layers (MXNet 1.x)."""
from ..block import Block, HybridBlock, SymbolBlock
from .basic_layers import *  # noqa: F401,F403
from .conv_layers import *  # noqa: F401,F403
from .norm_layers import *  # noqa: F401,F403
from .activations import *  # noqa: F401,F403
from .padding_layers import *  # noqa: F401,F403
from .concurrent_layers import *  # noqa: F401,F403
