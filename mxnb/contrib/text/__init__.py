"""MXNet's `mx.contrib.text`: counting tokens (`utils`), indexing them (`vocab`) and their
pre-trained vectors (`embedding`: GloVe, fastText, custom files and concatenations)."""
from . import utils  # noqa: F401
from . import vocab  # noqa: F401
from . import embedding  # noqa: F401
