"""`gluon.data`: datasets, samplers and the DataLoader (as MXNet 1.x)."""
from .dataset import Dataset, SimpleDataset, ArrayDataset
from .sampler import (Sampler, SequentialSampler, RandomSampler, FilterSampler, BatchSampler,
                      IntervalSampler)
from .dataloader import DataLoader, default_batchify_fn
from . import batchify
from . import vision

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "Sampler", "SequentialSampler",
           "RandomSampler", "FilterSampler", "BatchSampler", "IntervalSampler", "batchify", "DataLoader", "default_batchify_fn",
           "vision"]
