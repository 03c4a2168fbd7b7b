"""Figures of a CUDA device for the dashboard: CuPy's memory pool, device memory and utilisation.

Device memory and utilisation come from NVML (`pynvml`, imported lazily, if installed): it sees the
whole device, other processes included, and creates no CUDA context. Without it, device memory
comes from the CUDA runtime's `memGetInfo` through CuPy and utilisation is unknown (None).

CuPy and NVML are taken from the arguments when given, so the logic runs on a machine without a GPU
with small fakes; by default CuPy is mxnb's own (`mxnb.backend.cupy()`).
"""

_UNSET = object()


class GpuProbe:
    """Reads one device's figures: `figures(device_id)` -> dict (see `FIELDS`)."""
    FIELDS = ("pool_used_bytes", "pool_held_bytes", "device_total_bytes", "device_free_bytes", "utilization")

    def __init__(self, cupy=None, nvml=_UNSET):
        self._cupy = cupy
        self._nvml = nvml          # a pynvml-like module, None for "not available", or _UNSET (look it up)
        self._nvml_ready = False
        self._handles = {}

    # --- the modules -----------------------------------------------------------------------------
    def cupy_module(self):
        """CuPy, or None where it cannot be used (no CuPy, no CUDA device)."""
        if self._cupy is None:
            from .. import backend
            try:
                self._cupy = backend.cupy()
            except Exception:
                self._cupy = False
        return self._cupy or None

    def nvml_module(self):
        """An initialised pynvml, or None where it is not installed or fails to start."""
        if self._nvml is _UNSET:
            try:
                import pynvml  # noqa: optional; only for device-wide memory and utilisation
                self._nvml = pynvml
            except Exception:
                self._nvml = None
        if self._nvml is not None and not self._nvml_ready:
            try:
                self._nvml.nvmlInit()
                self._nvml_ready = True
            except Exception:  # no driver, or no permission: fall back to the CUDA runtime
                self._nvml = None
        return self._nvml

    # --- figures ---------------------------------------------------------------------------------
    def figures(self, device_id):
        """{'pool_used_bytes', 'pool_held_bytes', 'device_total_bytes', 'device_free_bytes',
        'utilization'} of device `device_id`; a figure that cannot be read is None."""
        out = dict.fromkeys(self.FIELDS)
        cp = self.cupy_module()
        if cp is None:
            return out
        with cp.cuda.Device(device_id):
            # The default pool keeps one sub-pool per device; its methods read the current one.
            pool = cp.get_default_memory_pool()
            out["pool_used_bytes"] = int(pool.used_bytes())
            out["pool_held_bytes"] = int(pool.total_bytes())
            nvml = self.nvml_module()
            handle = self._handle(nvml, cp, device_id) if nvml is not None else None
            if handle is not None:
                memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                out["device_total_bytes"] = int(memory.total)
                out["device_free_bytes"] = int(memory.free)
                out["utilization"] = float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            else:
                free, total = cp.cuda.runtime.memGetInfo()
                out["device_total_bytes"] = int(total)
                out["device_free_bytes"] = int(free)
        return out

    def _handle(self, nvml, cp, device_id):
        """NVML's handle for CUDA device `device_id`, found by PCI bus id: NVML numbers devices
        regardless of CUDA_VISIBLE_DEVICES, so the two indices can differ."""
        if device_id in self._handles:
            return self._handles[device_id]
        handle = None
        try:
            bus_id = cp.cuda.Device(device_id).pci_bus_id
            handle = nvml.nvmlDeviceGetHandleByPciBusId(bus_id)
        except Exception:
            try:
                handle = nvml.nvmlDeviceGetHandleByIndex(device_id)
            except Exception:
                handle = None
        self._handles[device_id] = handle
        return handle
