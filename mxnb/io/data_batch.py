"""DataBatch: one batch from a data iterator."""
from ..base import MXNetError

__all__ = ["DataBatch"]


class DataBatch:
    """A batch: lists of data and label NDArrays, with how many trailing samples are padding.

    Parameters
    ----------
    data : list of NDArray
    label : list of NDArray, optional
    pad : int, optional
        The number of padding samples at the end of the batch.
    index : numpy.ndarray, optional
        The indices of the samples.
    bucket_key : optional
        The bucket of a BucketingModule.
    provide_data, provide_label : list of DataDesc, optional

    Example
    -------
    >>> str(mx.io.DataBatch([mx.nd.zeros((2, 3))]))
    'DataBatch: data shapes: [(2, 3)] label shapes: None'
    """

    def __init__(self, data, label=None, pad=None, index=None, bucket_key=None,
                 provide_data=None, provide_label=None):
        if data is not None and not isinstance(data, (list, tuple)):
            raise MXNetError("DataBatch: data must be a list of NDArrays, found %s"
                             % type(data).__name__)
        if label is not None and not isinstance(label, (list, tuple)):
            raise MXNetError("DataBatch: label must be a list of NDArrays, found %s"
                             % type(label).__name__)
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self):
        data_shapes = [d.shape for d in self.data]
        label_shapes = [l.shape for l in self.label] if self.label else None
        return "{}: data shapes: {} label shapes: {}".format(type(self).__name__, data_shapes,
                                                            label_shapes)
