"""`mx.mon.Monitor`: statistics of node outputs, weights and gradients every few batches.

Installed on executors through their `set_monitor_callback` hook, as in MXNet 1.x: each node
output (and input, with monitor_all) reaches the callback as `(name, NDArray)`, e.g. `fc1_output`.
The backward pass is reported as MXNet's one backward node per forward node: `fc1_backward_output1`
is the gradient of fc1's input 1 (its weight), whichever steps mxnb computes it in.
"""
import logging
import re
from math import sqrt

from .ndarray import NDArray
from . import ndarray

__all__ = ["Monitor"]


def _norm_stat(x):
    """||x||_2 / sqrt(size(x)): the root mean square of x."""
    return ndarray.norm(x) / sqrt(x.size)


class Monitor:
    """Collects `stat_func` of matching tensors on every `interval`-th batch.

    interval: batches between collections.
    stat_func: NDArray -> NDArray (or list of NDArrays); default norm(x)/sqrt(x.size).
    pattern: regular expression (matched at the start) that a tensor's name must match,
        e.g. '.*weight|.*output'.
    sort: sort the results by name.
    monitor_all: also monitor node inputs, not only outputs.
    """

    def __init__(self, interval, stat_func=None, pattern=".*", sort=False, monitor_all=False):
        self.stat_func = stat_func if stat_func is not None else _norm_stat
        self.interval = interval
        self.activated = False
        self.queue = []
        self.step = 0
        self.exes = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

        def stat_helper(name, array):
            # Called by the executor for every node; cheap when not collecting this batch.
            if not self.activated or not self.re_prog.match(name):
                return
            self.queue.append((self.step, name, self.stat_func(array)))
        self.stat_helper = stat_helper

    def install(self, exe):
        """Installs the callback on an executor (several executors may be installed)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def _wait_for_inputs(self):
        for exe in self.exes:
            for arr in list(exe.arg_dict.values()) + list(exe.aux_dict.values()):
                arr.wait_to_read()

    def tic(self):
        """Starts collecting for this batch if it is an `interval`-th one; call before forward."""
        if self.step % self.interval == 0:
            self._wait_for_inputs()
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self):
        """Ends collecting; returns [(step, name, stat as text)], adding the arguments and aux
        states of every installed executor."""
        if not self.activated:
            return []
        self._wait_for_inputs()
        for exe in self.exes:
            for name, arr in list(exe.arg_dict.items()) + list(exe.aux_dict.items()):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(arr)))
        self.activated = False
        if self.sort:
            self.queue.sort(key=lambda item: item[1])
        res = [(step, name, self._format(name, stats)) for step, name, stats in self.queue]
        self.queue = []
        return res

    @staticmethod
    def _format(name, stats):
        if isinstance(stats, NDArray):
            stats = [stats]
        if not isinstance(stats, list) or not all(isinstance(v, NDArray) for v in stats):
            raise TypeError("Monitor: stat_func must return an NDArray or a list of NDArrays; for "
                            "%s it returned %s" % (name, type(stats).__name__))
        text = ""
        for value in stats:
            if value.shape in ((1,), ()):
                text += str(value.asscalar()) + "\t"
            else:
                text += str(value.asnumpy()) + "\t"
        return text

    def toc_print(self):
        """Ends collecting and logs the results (logging.info)."""
        for step, name, value in self.toc():
            logging.info("Batch: {:7d} {:30s} {:s}".format(step, name, value))
