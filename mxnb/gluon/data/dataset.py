"""Datasets: indexable collections of samples (as MXNet 1.x's gluon.data)."""
import numpy as np

from ...base import MXNetError
from ...ndarray import NDArray
from ...ndarray.ndarray import _wrap

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset"]


class Dataset:
    """The base class: `__getitem__(idx)` and `__len__()`."""

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def filter(self, fn):
        """The samples for which `fn(sample)` is true."""
        from .sampler import FilterSampler
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """The `index`-th of `num_shards` contiguous, near-equal parts."""
        if not 0 < num_shards:
            raise MXNetError("Number of shards must be greater than 0, found %d" % num_shards)
        if not 0 <= index < num_shards:
            raise MXNetError("Shard index of out bound: %d out of %d" % (index, num_shards))
        length = len(self)
        shard_len, rest = divmod(length, num_shards)
        start = shard_len * index + min(index, rest)
        end = start + shard_len + (index < rest)
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(end - start, start))

    def take(self, count):
        """The first `count` samples (all when None)."""
        if count is None or count > len(self):
            count = len(self)
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler):
        """The samples in the order `sampler` gives."""
        from .sampler import Sampler
        if not isinstance(sampler, Sampler):
            raise MXNetError("Invalid sampler type: %s. Expected gluon.data.Sampler instead."
                             % type(sampler).__name__)
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """A dataset of `fn(*sample)` (or `fn(sample)`), computed on access when `lazy`."""
        trans = _LazyTransformDataset(self, fn)
        if lazy:
            return trans
        return SimpleDataset([i for i in trans])

    def transform_first(self, fn, lazy=True):
        """As transform, applying `fn` to the first element of each sample only."""
        return self.transform(_TransformFirstClosure(fn), lazy)


class SimpleDataset(Dataset):
    """A dataset over any indexable sequence (a list, a NumPy array, ...)."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Zips arrays of equal length (NDArrays, NumPy arrays, lists) into samples.

    1-D NDArrays are kept as NumPy, as MXNet does, so a label is a NumPy scalar.
    """

    def __init__(self, *args):
        if not args:
            raise MXNetError("ArrayDataset needs at least 1 array, found none")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise MXNetError("All arrays must have the same length; array[0] has length %d "
                                 "while array[%d] has %d." % (self._length, i, len(data)))
            if isinstance(data, NDArray) and len(data.shape) == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self):
        return self._length

    def _get_batch(self, indices):
        """The default-batchified batch of `indices`, by one fancy index per field (fast path)."""
        fields = []
        for data in self._data:
            if isinstance(data, NDArray):
                fields.append(_take_rows(data, indices))
            elif isinstance(data, np.ndarray):
                fields.append(_numpy_batch(data[np.asarray(indices)]))
            else:
                return None  # lists etc.: take the general path
        return fields[0] if len(fields) == 1 else fields


def _take_rows(arr, indices):
    from ... import backend
    xp = backend.array_module(arr._data)
    return _wrap(arr._data[xp.asarray(indices)], arr.context)


def _numpy_batch(host):
    from ... import ndarray as nd
    return nd.array(host, dtype=host.dtype)


# MXNet defines RecordFileDataset in this module; it lives in its own file here.
from .record_file import RecordFileDataset  # noqa: E402,F401
