"""`gluon.data`: datasets, samplers and the DataLoader (as MXNet 1.x)."""
from .dataset import Dataset, SimpleDataset, ArrayDataset
from .record_file import RecordFileDataset
from .sampler import (Sampler, SequentialSampler, RandomSampler, FilterSampler, BatchSampler,
                      IntervalSampler)
from .dataloader import DataLoader, default_batchify_fn
from . import batchify
from . import vision

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset", "Sampler", "SequentialSampler",
           "RandomSampler", "FilterSampler", "BatchSampler", "IntervalSampler", "batchify", "DataLoader", "default_batchify_fn",
           "vision"]
