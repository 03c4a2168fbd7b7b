"""The kernel side of the JupyterLab "mxnb devices" panel.

The panel runs `register()` in the kernel of the active notebook, then opens a Jupyter comm with
target 'mxnb.devices' and `{'interval': seconds}`. The kernel answers with a stream of
`{'type': 'snapshot', 'snapshot': ...}` messages, one per interval, each a `Dashboard` snapshot
(per-context arrays and memory, the process, operators per second, the slowest operators, and
live memory by layer and operator now and at the peak: attribution.py) sent
from a background thread, so the figures move while a cell trains. Closing the comm, or the
message `{'type': 'stop'}`, ends the stream.
"""
import math
import threading

__all__ = ["TARGET", "register", "DeviceStream"]

TARGET = "mxnb.devices"


def register():
    """Registers the comm target in this kernel (again is harmless)."""
    from comm import get_comm_manager
    manager = get_comm_manager()
    if TARGET not in manager.targets:
        manager.register_target(TARGET, _on_open)


def _on_open(comm, open_msg):
    data = (open_msg.get("content") or {}).get("data") or {}
    stream = DeviceStream(comm.send, interval=float(data.get("interval", 1.0)))
    comm.on_msg(lambda msg: stream.on_message((msg.get("content") or {}).get("data") or {}))
    comm.on_close(lambda msg: stream.stop())
    stream.start()


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):          # NumPy scalars
        return _json_safe(value.item())
    return value


class DeviceStream:
    """Sends a Dashboard's snapshot through `send(dict)` every `interval` seconds."""

    def __init__(self, send, interval=1.0):
        from .dashboard import Dashboard
        self._send = send
        self.interval = max(0.05, float(interval))
        # the panel shows the process's peak: opening it must not restart the peak of the
        # dashboards in the notebook
        self.dashboard = Dashboard(interval=self.interval, start=False, reset_peak=False,
                                   attribution=True)
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="mxnb-devices", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self.dashboard.close()

    def on_message(self, data):
        if data.get("type") == "stop":
            self.stop()
        elif data.get("type") == "reset_peaks":
            self.dashboard.reset_peaks()

    def message(self):
        """One snapshot message (what the loop sends)."""
        snapshot = self.dashboard.refresh()
        snapshot.pop("history", None)
        snapshot.pop("op_totals", None)
        return {"type": "snapshot", "snapshot": _json_safe(snapshot)}

    def _loop(self):
        while not self._stop.is_set():
            try:
                self._send(self.message())
            except Exception:        # the kernel is shutting down or the comm is gone
                self._stop.set()
                break
            self._stop.wait(self.interval)
