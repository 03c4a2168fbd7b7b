"""`gluon.data`: datasets, samplers and the DataLoader (as MXNet 1.x)."""
from .dataset import Dataset, SimpleDataset, ArrayDataset
from .record_file import RecordFileDataset
from .sampler import (Sampler, SequentialSampler, RandomSampler, FilterSampler, BatchSampler,
                      IntervalSampler)
from .split_sampler import SplitSampler
from .dataloader import DataLoader, default_batchify_fn
from . import batchify
from . import vision

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset", "Sampler", "SequentialSampler",
           "RandomSampler", "FilterSampler", "BatchSampler", "IntervalSampler", "SplitSampler", "batchify", "DataLoader", "default_batchify_fn",
           "vision"]
