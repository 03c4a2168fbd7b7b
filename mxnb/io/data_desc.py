"""DataDesc: the name, shape, dtype and layout of one input of a data iterator."""
from collections import namedtuple

import numpy as np

__all__ = ["DataDesc"]


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Describes one input: a (name, shape) tuple with `dtype` and `layout` attributes.

    Parameters
    ----------
    name : str
        The input's name.
    shape : tuple of int
        Its shape.
    dtype : numpy dtype, default float32
    layout : str, default 'NCHW'
        What each axis means; 'N' marks the batch axis.

    Example
    -------
    >>> mx.io.DataDesc('data', (32, 3, 28, 28))
    DataDesc[data,(32, 3, 28, 28),<class 'numpy.float32'>,NCHW]
    """

    def __new__(cls, name, shape, dtype=np.float32, layout="NCHW"):
        desc = super().__new__(cls, name, shape)
        desc.dtype = dtype
        desc.layout = layout
        return desc

    def __repr__(self):
        return "DataDesc[%s,%s,%s,%s]" % (self.name, self.shape, self.dtype, self.layout)

    @staticmethod
    def get_batch_axis(layout):
        """The batch axis of `layout` (the position of 'N'; 0 when layout is None, -1 when
        there is no 'N')."""
        if layout is None:
            return 0
        return layout.find("N")

    @staticmethod
    def get_list(shapes, types):
        """DataDescs from [(name, shape)] and optional [(name, dtype)]."""
        if types is not None:
            type_dict = dict(types)
            return [DataDesc(x[0], x[1], type_dict[x[0]]) for x in shapes]
        return [DataDesc(x[0], x[1]) for x in shapes]
