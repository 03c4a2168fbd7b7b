"""box_nms's class handling and attributes against a NumPy reference of MXNet 1.9.1's rules:
with id_index >= 0 the boxes of class background_id are dropped, -1 (the default) included;
valid_thresh, topk, coord_start, score_index and the box formats as MXNet."""
import numpy as np
import pytest

from mxnb import nd


def _iou(a, b):
    lt = np.maximum(a[:2], b[:2])
    rb = np.minimum(a[2:], b[2:])
    inter = np.prod(np.maximum(rb - lt, 0))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return inter / union if union > 0 else 0.0


def _corner(c):
    x, y, w, h = c
    return np.array([x - w / 2, y - h / 2, x + w / 2, y + h / 2])


def _center(c):
    x0, y0, x1, y1 = c
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0])


def _nms_reference(boxes, overlap_thresh=0.5, valid_thresh=0.0, topk=-1, coord_start=2,
                   score_index=1, id_index=-1, background_id=-1, force_suppress=False,
                   in_format="corner", out_format="corner"):
    """One batch (n, k), box by box: filter, sort by score (stable), greedy suppression."""
    cs = coord_start
    rows = [i for i in range(len(boxes)) if boxes[i, score_index] > valid_thresh and
            (id_index < 0 or boxes[i, id_index] != background_id)]
    rows.sort(key=lambda i: -boxes[i, score_index])
    if topk > 0:
        rows = rows[:topk]
    corners = {i: _corner(boxes[i, cs:cs + 4]) if in_format == "center" else boxes[i, cs:cs + 4]
               for i in rows}
    kept = []
    for i in rows:
        same_class = [j for j in kept if force_suppress or id_index < 0 or
                      boxes[j, id_index] == boxes[i, id_index]]
        if all(_iou(corners[i], corners[j]) <= overlap_thresh for j in same_class):
            kept.append(i)
    out = np.full(boxes.shape, -1.0, dtype=boxes.dtype)
    for pos, i in enumerate(kept):
        out[pos] = boxes[i]
        if in_format != out_format:
            convert = _center if out_format == "center" else _corner
            out[pos, cs:cs + 4] = convert(boxes[i, cs:cs + 4])
    return out


def test_default_background_id_drops_class_minus_one():
    d = np.array([[0, .5, .1, .1, .2, .2], [-1, .6, .5, .5, .7, .8], [1, .3, .1, .1, .14, .14]],
                 dtype=np.float32)
    out = nd.contrib.box_nms(nd.array(d), overlap_thresh=0.5, id_index=0,
                             force_suppress=True).asnumpy()
    expected = np.array([d[0], d[2], [-1] * 6], dtype=np.float32)
    np.testing.assert_allclose(out, expected)


def test_default_background_id_gradient_skips_dropped_box():
    from mxnb import autograd
    d = nd.array([[0, .5, .1, .1, .2, .2], [-1, .6, .5, .5, .7, .8], [1, .3, .1, .1, .14, .14]])
    d.attach_grad()
    with autograd.record():
        y = nd.contrib.box_nms(d, overlap_thresh=0.5, id_index=0, force_suppress=True)
    head = np.arange(18, dtype=np.float32).reshape(3, 6)
    y.backward(nd.array(head))
    expected = np.zeros((3, 6), np.float32)
    expected[0], expected[2] = head[0], head[1]   # the kept rows' gradients, back to their sources
    np.testing.assert_allclose(d.grad.asnumpy(), expected)


def test_without_id_index_no_class_is_background():
    d = np.array([[-1, .6, .5, .5, .7, .8], [0, .5, .1, .1, .2, .2]], dtype=np.float32)
    out = nd.contrib.box_nms(nd.array(d), overlap_thresh=0.5).asnumpy()
    np.testing.assert_allclose(out, d)


def _random_case(rng):
    n, width = rng.randint(1, 9), rng.randint(6, 9)
    d = rng.rand(2, n, width).astype(np.float32)
    cs = int(rng.randint(0, width - 3))
    others = [i for i in range(width) if not cs <= i < cs + 4]
    si = others[0]
    ii = others[1] if len(others) > 1 and rng.rand() < .7 else -1
    if ii >= 0:
        d[..., ii] = rng.randint(-1, 3, size=d.shape[:-1])
    d[..., cs + 2:cs + 4] = d[..., cs:cs + 2] + rng.rand(2, n, 2) * 0.5
    if rng.rand() < .3:
        d[..., si] = rng.choice([.1, .5, .9], size=d.shape[:-1])     # equal scores
    attrs = dict(overlap_thresh=float(rng.choice([0.1, .3, .5, .7])),
                 valid_thresh=float(rng.choice([0, .2, .5])),
                 topk=int(rng.choice([-1, 1, 2, 3, 5])), coord_start=cs, score_index=si,
                 id_index=ii, background_id=int(rng.choice([-1, -1, 0, 1, 2])),
                 force_suppress=bool(rng.rand() < .5),
                 in_format=str(rng.choice(["corner", "center"])),
                 out_format=str(rng.choice(["corner", "center"])))
    return d, attrs


@pytest.mark.parametrize("seed", range(4))
def test_random_attributes_match_reference(seed):
    rng = np.random.RandomState(seed)
    for _ in range(25):
        d, attrs = _random_case(rng)
        out = nd.contrib.box_nms(nd.array(d), **attrs).asnumpy()
        expected = np.stack([_nms_reference(b, **attrs) for b in d])
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6, err_msg=repr(attrs))
