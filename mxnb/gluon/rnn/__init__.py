"""`gluon.rnn`: recurrent cells (stepped and unrolled) and fused recurrent layers (MXNet 1.9.1)."""
from .rnn_layer import RNN, LSTM, GRU  # noqa: F401
