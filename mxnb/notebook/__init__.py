"""Notebook tooling (layer 12): rich displays, graph drawings, dashboards, debugger, monitors.

Names load lazily on first use, so `import mxnb.notebook` imports neither ipywidgets, graphviz
nor IPython; each tool imports them when it is used.
"""
import importlib

# public name -> submodule that defines it
_LAZY = {
    "show_graph": "graph_view",
    "GraphView": "graph_view",
    "TrainingMonitor": "monitor",
    "TrainingMonitorHandler": "estimator_handler",
    "display_array": "display",
    "array_html": "display",
    "symbol_html": "display",
    "block_html": "display",
    "block_layer_rows": "display",
    "register_formatters": "formatters",
    "Dashboard": "dashboard",
    "Debugger": "debugger",
    "show_profile": "profile_view",
    "watch_layers": "attribution",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module("." + _LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError("module 'mxnb.notebook' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
