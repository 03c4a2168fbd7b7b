"""`gluon.data.vision`: image datasets and transforms."""
from . import transforms
from .datasets import MNIST, FashionMNIST
from .cifar import CIFAR10, CIFAR100
from .image_datasets import ImageRecordDataset, ImageFolderDataset, ImageListDataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageRecordDataset",
           "ImageFolderDataset", "ImageListDataset", "transforms"]
