"""The process's and the host's figures, read from /proc and `os.times` (no psutil).

- `process_rss_bytes()`: resident memory of this process now;
- `process_cpu_seconds()`: user + system CPU time this process has used (all threads);
- `host_memory()`: (total, available) bytes of the machine's memory;
- `host_cpu_ticks()`: (busy, total) jiffies of all CPUs since boot, for a utilisation between two readings.

Where /proc is missing (macOS, Windows) the /proc readers return None; the dashboard shows a dash.
"""
import os

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def process_rss_bytes(statm_path="/proc/self/statm"):
    """Resident set size of this process in bytes, or None where /proc is not available."""
    try:
        with open(statm_path) as f:
            fields = f.read().split()
        return int(fields[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


def process_cpu_seconds():
    """CPU seconds (user + system, every thread) this process has used so far."""
    times = os.times()
    return times.user + times.system


def host_memory(meminfo_path="/proc/meminfo"):
    """(total, available) bytes of the machine's memory, or (None, None) where /proc is missing."""
    values = {}
    try:
        with open(meminfo_path) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("MemTotal", "MemAvailable", "MemFree"):
                    values[key] = int(rest.split()[0]) * 1024  # /proc/meminfo counts kB
    except (OSError, ValueError, IndexError):
        return None, None
    # MemAvailable (kernels >= 3.14) counts reclaimable caches; MemFree is the older, stricter figure.
    return values.get("MemTotal"), values.get("MemAvailable", values.get("MemFree"))


def host_cpu_ticks(stat_path="/proc/stat"):
    """(busy, total) jiffies over all CPUs since boot, or None where /proc is missing."""
    try:
        with open(stat_path) as f:
            first = f.readline().split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    ticks = [int(x) for x in first[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
    ticks = ticks[:8]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    total = sum(ticks)
    return total - idle, total


def percent_between(earlier, later):
    """Utilisation in percent between two `host_cpu_ticks()` readings, or None if unknown."""
    if earlier is None or later is None:
        return None
    busy = later[0] - earlier[0]
    total = later[1] - earlier[1]
    if total <= 0:
        return None
    return 100.0 * busy / total
