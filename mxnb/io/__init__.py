"""`mx.io`: MXNet's data iterators, one file each."""
from .data_desc import DataDesc
from .data_batch import DataBatch
from .data_iter import DataIter
from .ndarray_iter import NDArrayIter
from .resize_iter import ResizeIter
from .prefetching_iter import PrefetchingIter
from .csv_iter import CSVIter
from .mnist_iter import MNISTIter
from .image_record_iter import (ImageRecordIter, ImageRecordUInt8Iter, ImageRecordInt8Iter,
                                ImageRecordIter_v1, ImageRecordUInt8Iter_v1)
from .libsvm import LibSVMIter

__all__ = ["DataDesc", "DataBatch", "DataIter", "NDArrayIter", "ResizeIter", "PrefetchingIter",
           "CSVIter", "MNISTIter", "ImageRecordIter", "ImageRecordUInt8Iter", "ImageRecordInt8Iter",
           "ImageRecordIter_v1", "ImageRecordUInt8Iter_v1", "LibSVMIter"]
