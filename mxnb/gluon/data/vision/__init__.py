"""`gluon.data.vision`: image datasets and transforms."""
from . import transforms
from .datasets import MNIST, FashionMNIST

__all__ = ["MNIST", "FashionMNIST", "transforms"]
