"""Channel-last layouts (NWC, NHWC, NDHWC) for operators written for channel-first data: the
kernel runs on the arrays with their last axis moved to axis 1, and the results are moved back.
Weights of channel-last convolutions, (F, *kernel, C), move the same way."""

__all__ = ["is_channel_last", "channels_first"]


def is_channel_last(attrs):
    layout = attrs.get("layout")
    return layout is not None and layout[1] != "C"


def _first(xp, x):
    return xp.moveaxis(x, -1, 1)


def _last(xp, x):
    return xp.ascontiguousarray(xp.moveaxis(x, 1, -1))


def _shape_first(shape):
    return None if shape is None else tuple(shape[:1]) + tuple(shape[-1:]) + tuple(shape[1:-1])


def _shape_last(shape):
    return None if shape is None else tuple(shape[:1]) + tuple(shape[2:]) + tuple(shape[1:2])


def channels_first(op, moved_in, moved_out):
    """Gives registered operator `op` channel-last layouts: inputs at positions `moved_in` and
    outputs at `moved_out` are channel-last when attrs['layout'] says so."""
    compute, infer_shape = op.compute, op.infer_shape

    def compute_any(xp, inputs, attrs, **extras):
        if not is_channel_last(attrs):
            return compute(xp, inputs, attrs, **extras)
        moved = [_first(xp, x) if i in moved_in else x for i, x in enumerate(inputs)]
        out = compute(xp, moved, dict(attrs, layout=None), **extras)
        if isinstance(out, list):
            return [_last(xp, o) if i in moved_out else o for i, o in enumerate(out)]
        return _last(xp, out)

    def infer_any(attrs, in_shapes):
        if not is_channel_last(attrs):
            return infer_shape(attrs, in_shapes)
        moved = [_shape_first(s) if i in moved_in else s for i, s in enumerate(in_shapes)]
        ins, outs = infer_shape(dict(attrs, layout=None), moved)
        return ([_shape_last(s) if i in moved_in else s for i, s in enumerate(ins)],
                [_shape_last(s) if i in moved_out else s for i, s in enumerate(outs)])

    op.compute = compute_any
    op.infer_shape = infer_any
    return op
