"""Autograd's per-thread switches, read by the dispatcher on every operator call."""
import threading


class _State(threading.local):
    recording = False
    training = False
    # During autograd.backward(): the ids of .grad arrays a hybridized call's backward wrote its
    # gradients into (each at most once per pass); None otherwise (autograd.grad writes no .grad).
    grad_writes = None
    # During a backward that frees the graph (retain_graph=False): a tape op's gradient may drop
    # the values it saved as it reads them, instead of holding them all to the end of the pass.
    consuming = False
    phase = "forward"       # 'backward' while autograd's backward runs gradients eagerly (hooks)


STATE = _State()
