"""Neural-network operators, one module per family; importing this registers them all."""
from . import fully_connected  # noqa: F401
from . import activation, softmax, softmax_ce  # noqa: F401
from . import output  # noqa: F401
from . import convolution  # noqa: F401
from . import pooling  # noqa: F401
from . import batch_norm, dropout, embedding  # noqa: F401
from . import deconvolution, norm, upsampling, lrn, roi_pooling, spatial_transformer  # noqa: F401
from . import pad, smooth_l1, ctc_loss  # noqa: F401
from . import rnn  # noqa: F401
from . import sequence  # noqa: F401
