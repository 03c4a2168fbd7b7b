"""RecordFileDataset: the raw records of an indexed RecordIO file."""
import os

from ... import recordio
from .dataset import Dataset

__all__ = ["RecordFileDataset"]


class RecordFileDataset(Dataset):
    """A dataset over a RecordIO file: each sample is one record's bytes.

    Parameters
    ----------
    filename : str
        Path to the .rec file; its index is the .idx file of the same name.

    Example
    -------
    >>> ds = gluon.data.RecordFileDataset('data.rec')
    >>> header, payload = mx.recordio.unpack(ds[0])
    """

    def __init__(self, filename):
        self.idx_file = os.path.splitext(filename)[0] + ".idx"
        self.filename = filename
        self._record = recordio.MXIndexedRecordIO(self.idx_file, self.filename, "r")

    def __getitem__(self, idx):
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self):
        return len(self._record.keys)
