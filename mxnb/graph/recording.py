"""Autograd's per-thread switches, read by the dispatcher on every operator call."""
import threading


class _State(threading.local):
    recording = False
    training = False


STATE = _State()
