"""PrefetchingIter: loads the next batch of one or more iterators in background threads."""
import threading

from ..base import MXNetError
from .data_batch import DataBatch
from .data_desc import DataDesc
from .data_iter import DataIter

__all__ = ["PrefetchingIter"]


class PrefetchingIter(DataIter):
    """Prefetches batches of `iters` in background threads and joins them: the data (and
    labels) of the i-th batches of all iterators make one batch.

    Parameters
    ----------
    iters : DataIter or list of DataIter
    rename_data : list of dict, optional
        Per iterator, new names for its data inputs.
    rename_label : list of dict, optional
        Per iterator, new names for its label inputs.

    Example
    -------
    >>> it = mx.io.PrefetchingIter(mx.io.NDArrayIter(np.arange(4), batch_size=2))
    >>> [b.data[0].shape for b in it]
    [(2,), (2,)]
    """

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        if not iters:
            raise MXNetError("PrefetchingIter needs at least one iterator")
        self.n_iter = len(iters)
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.data_ready = [threading.Event() for _ in range(self.n_iter)]
        self.data_taken = [threading.Event() for _ in range(self.n_iter)]
        for event in self.data_taken:
            event.set()
        self.started = True
        self.current_batch = None
        self.next_batch = [None] * self.n_iter
        self._errors = [None] * self.n_iter
        # The threads hold no reference to self, so an abandoned iterator can be collected.
        state = (self.iters, self.data_ready, self.data_taken, self.next_batch, self._errors,
                 [True])
        self._running = state[5]
        self.prefetch_threads = [
            threading.Thread(target=_prefetch, args=(state, i), daemon=True,
                             name="PrefetchingIter-%d" % i) for i in range(self.n_iter)]
        for thread in self.prefetch_threads:
            thread.start()

    def __del__(self):
        running = getattr(self, "_running", None)
        if running is not None:
            running[0] = False
            for event in self.data_taken:
                event.set()

    def _renamed(self, renames, descs_of):
        if renames is None:
            return sum([descs_of(it) for it in self.iters], [])
        return sum([[DataDesc(r[x.name], x.shape, x.dtype) if isinstance(x, DataDesc)
                     else DataDesc(r[x[0]], x[1]) for x in descs_of(it)]
                    for r, it in zip(renames, self.iters)], [])

    @property
    def provide_data(self):
        return self._renamed(self.rename_data, lambda it: it.provide_data)

    @property
    def provide_label(self):
        return self._renamed(self.rename_label, lambda it: it.provide_label)

    def reset(self):
        for event in self.data_ready:
            event.wait()
        for it in self.iters:
            it.reset()
        for event in self.data_ready:
            event.clear()
        for event in self.data_taken:
            event.set()

    def iter_next(self):
        for event in self.data_ready:
            event.wait()
        for i, error in enumerate(self._errors):
            if error is not None:
                self._errors[i] = None
                raise error
        if self.next_batch[0] is None:
            if any(b is not None for b in self.next_batch):
                raise MXNetError("PrefetchingIter: the iterators have different numbers of "
                                 "batches")
            return False
        for batch in self.next_batch:
            if batch is None or batch.pad != self.next_batch[0].pad:
                raise MXNetError("PrefetchingIter: the iterators' batches do not line up "
                                 "(different numbers of samples)")
        self.current_batch = DataBatch(
            sum([b.data for b in self.next_batch], []),
            sum([list(b.label or []) for b in self.next_batch], []),
            self.next_batch[0].pad, self.next_batch[0].index,
            provide_data=self.provide_data, provide_label=self.provide_label)
        for event in self.data_ready:
            event.clear()
        for event in self.data_taken:
            event.set()
        return True

    def next(self):
        if self.iter_next():
            return self.current_batch
        raise StopIteration

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


def _prefetch(state, i):
    iters, ready, taken, next_batch, errors, running = state
    while True:
        taken[i].wait()
        if not running[0]:
            return
        try:
            next_batch[i] = iters[i].next()
        except StopIteration:
            next_batch[i] = None
        except Exception as exc:  # raised in the consumer's thread
            next_batch[i] = None
            errors[i] = exc
        taken[i].clear()
        ready[i].set()
