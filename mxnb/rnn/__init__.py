"""`mx.rnn`: MXNet 1.x's legacy symbolic RNN cells, their checkpoints and bucketing iterator."""
from .rnn_cell import (RNNParams, BaseRNNCell, RNNCell, LSTMCell, GRUCell, FusedRNNCell,
                       SequentialRNNCell, BidirectionalCell, DropoutCell, ModifierCell,
                       ZoneoutCell, ResidualCell)
from .rnn import save_rnn_checkpoint, load_rnn_checkpoint, do_rnn_checkpoint
from .io import BucketSentenceIter, encode_sentences

__all__ = ["RNNParams", "BaseRNNCell", "RNNCell", "LSTMCell", "GRUCell", "FusedRNNCell",
           "SequentialRNNCell", "BidirectionalCell", "DropoutCell", "ModifierCell", "ZoneoutCell",
           "ResidualCell", "save_rnn_checkpoint", "load_rnn_checkpoint", "do_rnn_checkpoint",
           "BucketSentenceIter", "encode_sentences"]
