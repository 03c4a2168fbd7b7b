"""Bounding-box operators of MXNet's contrib (GluonCV's detectors use them): box_iou, box_nms
(alias box_non_maximum_suppression), bipartite_matching, box_encode and box_decode.

Boxes are [xmin, ymin, xmax, ymax] ('corner') or [x, y, width, height] ('center'); areas have
no +1, as in MXNet. NMS is greedy in score order and runs per batch; its only gradient is the
output gradient routed back to the rows the kept boxes came from.
"""
import numpy as np

from ..base import ShapeError
from .params import Bool, Enum, Float, Int
from .registry import operator

_FORMAT = Enum(("center", "corner"), "corner", doc="The box encoding type: 'corner' "
                                                   "[xmin, ymin, xmax, ymax] or 'center' "
                                                   "[x, y, width, height].")


def to_corner(xp, boxes):
    x, y, w, h = (boxes[..., i] for i in range(4))
    return xp.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=-1)


def to_center(xp, boxes):
    x0, y0, x1, y1 = (boxes[..., i] for i in range(4))
    return xp.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], axis=-1)


def pairwise_iou(xp, a, b):
    """IoU of every box of a (n, 4) with every box of b (m, 4), corner format: (n, m)."""
    lt = xp.maximum(a[:, None, :2], b[None, :, :2])
    rb = xp.minimum(a[:, None, 2:4], b[None, :, 2:4])
    wh = xp.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return xp.where(union > 0, inter / xp.where(union > 0, union, 1), 0)


@operator("_contrib_box_iou", params={"format": _FORMAT}, inputs=("lhs", "rhs"),
          differentiable=False, hint="box_iou")
class BoxIoU:
    """Bounding box overlap of two arrays: lhs (..., 4) and rhs (..., 4) give the IoU of every
    pair, shaped lhs.shape[:-1] + rhs.shape[:-1]."""
    def compute(xp, inputs, attrs):
        lhs, rhs = inputs
        a, b = lhs.reshape(-1, 4), rhs.reshape(-1, 4)
        if attrs["format"] == "center":
            a, b = to_corner(xp, a), to_corner(xp, b)
        out = pairwise_iou(xp, a, b).astype(lhs.dtype)
        return out.reshape(lhs.shape[:-1] + rhs.shape[:-1])

    def infer_shape(attrs, in_shapes):
        lhs, rhs = in_shapes
        for s in (lhs, rhs):
            if s is not None and s[-1] != 4:
                raise ShapeError("box_iou: boxes must have 4 coordinates on the last axis, "
                                 "found shape %s" % (tuple(s),))
        if lhs is None or rhs is None:
            return in_shapes, [None]
        return in_shapes, [tuple(lhs[:-1]) + tuple(rhs[:-1])]


_NMS = {"overlap_thresh": Float(0.5, doc="Overlapping(IoU) threshold to suppress object with "
                                         "smaller score."),
        "valid_thresh": Float(0.0, doc="Filter input boxes to those whose scores greater than "
                                       "valid_thresh."),
        "topk": Int(-1, doc="Apply nms to topk boxes with descending scores, -1 to no "
                            "restriction."),
        "coord_start": Int(2, doc="Start index of the consecutive 4 coordinates."),
        "score_index": Int(1, doc="Index of the scores/confidence of boxes."),
        "id_index": Int(-1, doc="Optional, index of the class categories, -1 to disable."),
        "background_id": Int(-1, doc="Optional, id of the background class which will be "
                                     "ignored in nms."),
        "force_suppress": Bool(False, doc="If false and id_index is provided, nms only "
                                          "suppresses boxes of the same category."),
        "in_format": _FORMAT, "out_format": _FORMAT}


def _nms_one(xp, boxes, attrs):
    """(output rows, their source rows) for one batch of boxes (n, k)."""
    n = boxes.shape[0]
    cs, si, ii = attrs["coord_start"], attrs["score_index"], attrs["id_index"]
    scores = boxes[:, si]
    valid = scores > attrs["valid_thresh"]
    if ii >= 0:     # MXNet drops the background class even when background_id is -1
        valid &= boxes[:, ii] != attrs["background_id"]
    candidates = xp.nonzero(valid)[0]
    order = candidates[xp.argsort(-scores[candidates], kind="stable")]
    if attrs["topk"] > 0:
        order = order[:attrs["topk"]]
    coords = boxes[order, cs:cs + 4]
    if attrs["in_format"] == "center":
        coords = to_corner(xp, coords)
    iou = pairwise_iou(xp, coords, coords)
    suppress = iou > attrs["overlap_thresh"]
    if ii >= 0 and not attrs["force_suppress"]:
        ids = boxes[order, ii]
        suppress &= ids[:, None] == ids[None, :]
    suppress = xp.asnumpy(suppress) if hasattr(xp, "asnumpy") else suppress
    keep_flags = np.ones(len(order), dtype=bool)
    for i in range(len(order)):            # greedy, in score order
        if keep_flags[i]:
            keep_flags[i + 1:] &= ~suppress[i, i + 1:]
    kept = order[xp.asarray(np.nonzero(keep_flags)[0])]
    out = xp.full(boxes.shape, -1, dtype=boxes.dtype)
    rows = boxes[kept]
    if attrs["in_format"] != attrs["out_format"]:
        convert = to_center if attrs["out_format"] == "center" else to_corner
        rows[:, cs:cs + 4] = convert(xp, rows[:, cs:cs + 4])
    out[:len(kept)] = rows
    record = xp.full((n,), -1, dtype=boxes.dtype)
    record[:len(kept)] = kept
    return out, record


@operator("_contrib_box_nms", params=_NMS, outputs=("output0", "output1"), num_visible=1,
          aliases=("_contrib_box_non_maximum_suppression",), hint="box_nms")
class BoxNMS:
    """Apply non-maximum suppression to input: boxes sorted by score (descending), those that
    overlap a better-scoring box by more than overlap_thresh (of the same class unless
    force_suppress) removed, and the rest of the rows filled with -1. Leading axes are
    batches of (n, k) box items."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        flat = x.reshape(-1, x.shape[-2], x.shape[-1])
        outs, records = zip(*[_nms_one(xp, b, attrs) for b in flat])
        return [xp.stack(outs).reshape(x.shape), xp.stack(records).reshape(x.shape[:-1])]

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None, None]
        if len(x) < 2 or x[-1] < attrs["coord_start"] + 4:
            raise ShapeError("box_nms: expected (..., n, k) boxes with k >= coord_start + 4 = "
                             "%d, found %s" % (attrs["coord_start"] + 4, tuple(x)))
        return in_shapes, [tuple(x), tuple(x[:-1])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_box_nms(out_grads[0], outputs[1])]


@operator("_backward_contrib_box_nms", inputs=("ograd", "record"))
class BackwardBoxNMS:
    """The gradient of box_nms: each kept row's gradient goes back to the row it came from;
    suppressed rows get zeros."""
    def compute(xp, inputs, attrs):
        og, record = inputs
        flat_og = og.reshape(-1, og.shape[-2], og.shape[-1])
        flat_rec = record.reshape(-1, record.shape[-1]).astype(np.int64)
        grad = xp.zeros_like(flat_og)
        for b in range(flat_og.shape[0]):
            kept = flat_rec[b] >= 0
            grad[b, flat_rec[b][kept]] = flat_og[b][kept]
        return grad.reshape(og.shape)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


@operator("_contrib_bipartite_matching",
          params={"is_ascend": Bool(False, doc="Use ascend order for scores instead of "
                                               "descending."),
                  "threshold": Float(doc="Ignore matching when score < thresh (descending) or "
                                         "> thresh (ascending)."),
                  "topk": Int(-1, doc="Limit the number of matches to topk, -1 for no limit")},
          outputs=("output0", "output1"), differentiable=False,
          hint="bipartite_matching")
class BipartiteMatching:
    """Greedy bipartite matching on a score matrix (..., N, M): best scores first, each row and
    column used once. Returns (the column matched to each row, the row matched to each column),
    -1 where unmatched."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        n, m = data.shape[-2:]
        flat = data.reshape(-1, n, m)
        host = xp.asnumpy(flat) if hasattr(xp, "asnumpy") else flat
        xs = np.full((flat.shape[0], n), -1, dtype=data.dtype)
        ys = np.full((flat.shape[0], m), -1, dtype=data.dtype)
        for b in range(flat.shape[0]):
            scores = host[b].ravel()
            order = np.argsort(scores if attrs["is_ascend"] else -scores, kind="stable")
            count = 0
            for pos in order:
                s = scores[pos]
                if (s > attrs["threshold"]) if attrs["is_ascend"] else (s < attrs["threshold"]):
                    break
                i, j = divmod(int(pos), m)
                if xs[b, i] < 0 and ys[b, j] < 0:
                    xs[b, i], ys[b, j] = j, i
                    count += 1
                    if 0 < attrs["topk"] < count:   # MXNet stops after topk + 1 matches
                        break
        return [xp.asarray(xs.reshape(data.shape[:-1])),
                xp.asarray(ys.reshape(data.shape[:-2] + (m,)))]

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None, None]
        return in_shapes, [tuple(x[:-1]), tuple(x[:-2]) + (x[-1],)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]


@operator("_contrib_box_encode", inputs=("samples", "matches", "anchors", "refs", "means", "stds"),
          outputs=("output0", "output1"), differentiable=False,
          hint="box_encode")
class BoxEncode:
    """Encode bounding boxes training target with normalized center offsets: for positive
    samples, ((g_x - a_x) / a_w, (g_y - a_y) / a_h, log(g_w / a_w), log(g_h / a_h)) minus means,
    divided by stds; masks are 1 there and 0 elsewhere. Boxes are corners."""
    def compute(xp, inputs, attrs):
        samples, matches, anchors, refs, means, stds = inputs
        idx = matches.astype(np.int64)
        gathered = xp.take_along_axis(refs, idx[..., None].repeat(4, axis=-1), axis=1)
        a, g = to_center(xp, anchors), to_center(xp, gathered)
        t = xp.stack([(g[..., 0] - a[..., 0]) / a[..., 2], (g[..., 1] - a[..., 1]) / a[..., 3],
                      xp.log(g[..., 2] / a[..., 2]), xp.log(g[..., 3] / a[..., 3])], axis=-1)
        t = (t - means) / stds
        positive = (samples > 0.5)[..., None]
        return [xp.where(positive, t, 0).astype(anchors.dtype),
                xp.broadcast_to(positive, t.shape).astype(anchors.dtype)]

    def infer_shape(attrs, in_shapes):
        anchors = in_shapes[2]
        return in_shapes, [anchors, anchors]

    def infer_type(attrs, in_types):
        return in_types, [in_types[2], in_types[2]]


@operator("_contrib_box_decode", params={"std0": Float(1.0, doc="value to be divided from the "
                                                                "1st encoded values"),
                                         "std1": Float(1.0, doc="value to be divided from the "
                                                                "2nd encoded values"),
                                         "std2": Float(1.0, doc="value to be divided from the "
                                                                "3rd encoded values"),
                                         "std3": Float(1.0, doc="value to be divided from the "
                                                                "4th encoded values"),
                                         "clip": Float(-1.0, doc="If larger than 0, bounding "
                                                                 "box target will be clipped "
                                                                 "to this value."),
                                         "format": Enum(("center", "corner"), "center",
                                                        doc="The anchors' box encoding type.")},
          inputs=("data", "anchors"), differentiable=False, hint="box_decode")
class BoxDecode:
    """Decode bounding boxes training target with normalized center offsets: predicted offsets
    (B, N, 4) applied to anchors (1, N, 4) give corner boxes."""
    def compute(xp, inputs, attrs):
        data, anchors = inputs
        a = anchors if attrs["format"] == "center" else to_center(xp, anchors)
        real = data.dtype.type
        ox = data[..., 0] * real(attrs["std0"]) * a[..., 2] + a[..., 0]
        oy = data[..., 1] * real(attrs["std1"]) * a[..., 3] + a[..., 1]
        dw, dh = data[..., 2] * real(attrs["std2"]), data[..., 3] * real(attrs["std3"])
        if attrs["clip"] > 0:
            dw, dh = xp.minimum(dw, real(attrs["clip"])), xp.minimum(dh, real(attrs["clip"]))
        ow, oh = xp.exp(dw) * a[..., 2] / 2, xp.exp(dh) * a[..., 3] / 2
        return xp.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=-1).astype(data.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]
