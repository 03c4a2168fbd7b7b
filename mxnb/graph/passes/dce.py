"""Dead-code elimination over compiled steps: a step runs only when a value it writes is needed,
by a later step that runs or as a result (program outputs, values kept for the backward pass,
gradients)."""

__all__ = ["live_steps"]


def live_steps(steps, needed_slots):
    """The steps of `steps` (in order) whose outputs are needed, transitively."""
    needed = set(needed_slots)
    kept = []
    for step in reversed(steps):
        if any(s in needed for s in step.outs):
            kept.append(step)
            needed.update(step.ins)
    kept.reverse()
    return kept
