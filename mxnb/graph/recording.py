"""Autograd's per-thread switches, read by the dispatcher on every operator call."""
import threading


class _State(threading.local):
    recording = False
    training = False
    phase = "forward"       # 'backward' while autograd's backward runs gradients eagerly (hooks)


STATE = _State()
