"""Operators run over a sliding time window: counts and seconds per operator name.

`OpWindow.observe(name, seconds)` is an `mxnb.instrument` op observer: it runs after every
operator, so it only bumps two numbers in a dict under a lock. The sampler closes the open bucket
on each tick (`tick()`); `read()` merges the buckets younger than `window` seconds with the open
one, so reading never loses operators and never waits on the sampler.
"""
import collections
import threading
import time


class OpWindow:
    def __init__(self, window=5.0, clock=time.perf_counter):
        self.window = float(window)
        self._clock = clock
        self._lock = threading.Lock()
        self._open = {}                         # name -> [count, seconds], since _open_since
        self._open_since = clock()
        self._closed = collections.deque()      # (started, ended, {name: [count, seconds]})

    def observe(self, name, seconds):
        """The op observer: one operator `name` ran for `seconds`. No lock: it runs on every
        operator, and the sampler only swaps the bucket dict or copies it (readers copy with
        dict(), which the interpreter does in one step)."""
        entry = self._open.get(name)
        if entry is None:
            self._open[name] = [1, seconds]
        else:
            entry[0] += 1
            entry[1] += seconds

    def tick(self):
        """Closes the open bucket and forgets buckets older than the window."""
        now = self._clock()
        with self._lock:
            bucket, self._open = self._open, {}
            started, self._open_since = self._open_since, now
            self._closed.append((started, now, bucket))
            horizon = now - self.window
            while self._closed and self._closed[0][1] < horizon:
                self._closed.popleft()

    def read(self, top=5):
        """(operators per second, [(name, seconds, count)] of the `top` slowest in total, totals)
        over the last `window` seconds; `totals` is {name: (count, seconds)} for every operator."""
        now = self._clock()
        horizon = now - self.window
        with self._lock:
            buckets = [(s, dict(b)) for s, e, b in list(self._closed) if e >= horizon]
            open_copy = {name: tuple(v) for name, v in dict(self._open).items()}
            open_since = self._open_since
        totals = {}
        for _, bucket in buckets:
            for name, (count, seconds) in bucket.items():
                c, s = totals.get(name, (0, 0.0))
                totals[name] = (c + count, s + seconds)
        for name, (count, seconds) in open_copy.items():
            c, s = totals.get(name, (0, 0.0))
            totals[name] = (c + count, s + seconds)
        # The window starts at the oldest bucket kept (or at the open one): a young dashboard
        # divides by the time it has been watching, not by the full window.
        started = buckets[0][0] if buckets else open_since
        span = max(now - started, 1e-9)
        ops = sum(c for c, _ in totals.values())
        slowest = sorted(totals.items(), key=lambda item: item[1][1], reverse=True)[:top]
        return ops / span, [(name, seconds, count) for name, (count, seconds) in slowest], totals
