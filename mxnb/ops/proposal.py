"""Region proposals of Faster R-CNN (MXNet contrib Proposal and MultiProposal): anchors of
every scale and ratio at every feature-map cell, moved by the predicted deltas, clipped to the
image, small boxes dropped, the best pre_nms_top_n kept, NMS, and rpn_post_nms_top_n rois
returned (repeated cyclically when fewer survive). Coordinates follow py-faster-rcnn's pixel
convention (a box's width is x2 - x1 + 1). Both have zero gradients."""
import math

import numpy as np

from .params import Bool, Float, FloatTuple, Int
from .registry import operator

_PROPOSAL = {"rpn_pre_nms_top_n": Int(6000, doc="Number of top scoring boxes to keep before "
                                                "applying NMS to RPN proposals"),
             "rpn_post_nms_top_n": Int(300, doc="Number of top scoring boxes to keep after "
                                                "applying NMS to RPN proposals", low=1),
             "threshold": Float(0.7, doc="NMS value, below which to suppress."),
             "rpn_min_size": Int(16, doc="Minimum height or width in proposal"),
             "scales": FloatTuple((4.0, 8.0, 16.0, 32.0), "Used to generate anchor windows by "
                                                          "enumerating scales"),
             "ratios": FloatTuple((0.5, 1.0, 2.0), "Used to generate anchor windows by enumerating "
                                                   "ratios"),
             "feature_stride": Int(16, doc="The size of the receptive field each unit in the "
                                           "convolution layer of the rpn"),
             "output_score": Bool(False, doc="Add score to outputs"),
             "iou_loss": Bool(False, doc="Usage of IoU Loss")}


def _anchors(stride, ratios, scales):
    """py-faster-rcnn's base anchors: every ratio, then every scale of it."""
    w = h = float(stride)
    x_ctr = y_ctr = 0.5 * (stride - 1)
    out = []
    for ratio in ratios:
        size_ratio = w * h / ratio
        ws = round(math.sqrt(size_ratio))
        hs = round(ws * ratio)
        for scale in scales:
            sw, sh = ws * scale, hs * scale
            out.append([x_ctr - 0.5 * (sw - 1), y_ctr - 0.5 * (sh - 1),
                        x_ctr + 0.5 * (sw - 1), y_ctr + 0.5 * (sh - 1)])
    return np.array(out, dtype=np.float32)


def _propose(scores, deltas, im_info, attrs):
    """rois (post, 4) and scores (post,) for one image; float32 maths as MXNet's CPU kernel."""
    f32 = np.float32
    a, height, width = scores.shape
    stride = attrs["feature_stride"]
    base = _anchors(stride, attrs["ratios"], attrs["scales"])
    shift_y, shift_x = np.meshgrid(np.arange(height) * stride, np.arange(width) * stride,
                                   indexing="ij")
    shifts = np.stack([shift_x, shift_y, shift_x, shift_y], axis=-1).astype(f32)  # (H, W, 4)
    boxes = (shifts[:, :, None, :] + base[None, None]).reshape(-1, 4)             # h, w, a
    score = scores.transpose(1, 2, 0).reshape(-1).astype(f32)
    d = deltas.reshape(a, 4, height, width).transpose(2, 3, 0, 1).reshape(-1, 4).astype(f32)
    im_h, im_w, im_scale = (f32(v) for v in im_info[:3])
    if attrs["iou_loss"]:
        pred = boxes + d
    else:
        bw = boxes[:, 2] - boxes[:, 0] + f32(1)
        bh = boxes[:, 3] - boxes[:, 1] + f32(1)
        cx = boxes[:, 0] + f32(0.5) * (bw - f32(1))
        cy = boxes[:, 1] + f32(0.5) * (bh - f32(1))
        pcx, pcy = d[:, 0] * bw + cx, d[:, 1] * bh + cy
        pw, ph = np.exp(d[:, 2]) * bw, np.exp(d[:, 3]) * bh
        pred = np.stack([pcx - f32(0.5) * (pw - f32(1)), pcy - f32(0.5) * (ph - f32(1)),
                         pcx + f32(0.5) * (pw - f32(1)), pcy + f32(0.5) * (ph - f32(1))], axis=1)
    pred[:, 0::2] = np.clip(pred[:, 0::2], 0, im_w - f32(1))
    pred[:, 1::2] = np.clip(pred[:, 1::2], 0, im_h - f32(1))
    real_h, real_w = int(im_h / stride), int(im_w / stride)
    rows = np.repeat(np.arange(height), width * a)
    cols = np.tile(np.repeat(np.arange(width), a), height)
    score = np.where((rows >= real_h) | (cols >= real_w), f32(-1), score)
    min_size = f32(attrs["rpn_min_size"]) * im_scale
    small = ((pred[:, 2] - pred[:, 0] + f32(1) < min_size) |
             (pred[:, 3] - pred[:, 1] + f32(1) < min_size))
    pred[small, :2] -= min_size / 2
    pred[small, 2:] += min_size / 2
    score = np.where(small, f32(-1), score)
    count = score.shape[0]
    pre = attrs["rpn_pre_nms_top_n"]
    pre = min(pre if pre > 0 else count, count)
    post = min(attrs["rpn_post_nms_top_n"], pre)
    order = np.argsort(-score, kind="stable")[:pre]
    dets, dscore = pred[order], score[order]
    area = (dets[:, 2] - dets[:, 0] + 1) * (dets[:, 3] - dets[:, 1] + 1)
    suppressed = np.zeros(len(dets), dtype=bool)
    keep = []
    for i in range(len(dets)):
        if len(keep) >= post:
            break
        if suppressed[i]:
            continue
        keep.append(i)
        xx1 = np.maximum(dets[i, 0], dets[i + 1:, 0])
        yy1 = np.maximum(dets[i, 1], dets[i + 1:, 1])
        xx2 = np.minimum(dets[i, 2], dets[i + 1:, 2])
        yy2 = np.minimum(dets[i, 3], dets[i + 1:, 3])
        inter = np.maximum(0, xx2 - xx1 + 1) * np.maximum(0, yy2 - yy1 + 1)
        ovr = inter / (area[i] + area[i + 1:] - inter)
        suppressed[i + 1:] |= ovr > attrs["threshold"]
    keep = np.array(keep)
    pick = keep[np.arange(attrs["rpn_post_nms_top_n"]) % len(keep)]
    return dets[pick], dscore[pick]


def _proposal_outputs(attrs):
    return ["output", "score"]


def _make(name, batched):
    class ProposalOp:
        def compute(xp, inputs, attrs):
            host = [xp.asnumpy(x) if hasattr(xp, "asnumpy") else x for x in inputs]
            cls_prob, bbox_pred, im_info = host
            a = cls_prob.shape[1] // 2
            rois, scores = [], []
            for b in range(cls_prob.shape[0] if batched else 1):
                boxes, score = _propose(cls_prob[b, a:], bbox_pred[b], im_info[b], attrs)
                rois.append(np.concatenate([np.full((len(boxes), 1), b, np.float32), boxes], 1))
                scores.append(score.reshape(-1, 1))
            dtype = inputs[0].dtype
            return [xp.asarray(np.concatenate(rois).astype(dtype)),
                    xp.asarray(np.concatenate(scores).astype(dtype))]

        def infer_shape(attrs, in_shapes):
            cls = in_shapes[0]
            batch = (cls[0] if cls is not None else None) if batched else 1
            if batch is None:
                return in_shapes, [None, None]
            n = batch * attrs["rpn_post_nms_top_n"]
            return in_shapes, [(n, 5), (n, 1)]

        def infer_type(attrs, in_types):
            return in_types, [in_types[0], in_types[0]]

    ProposalOp.__doc__ = ("Generate region proposals via RPN: cls_prob (%s, 2 * anchors, H, W), "
                          "bbox_pred (.., 4 * anchors, H, W) and im_info (.., 3) [height, "
                          "width, scale] give rois [batch_index, x1, y1, x2, y2]%s."
                          % ("N" if batched else "1",
                             " for every image of the batch" if batched else ""))
    operator(name, params=_PROPOSAL, inputs=("cls_prob", "bbox_pred", "im_info"),
             outputs=_proposal_outputs,
             num_visible=lambda attrs: 2 if attrs["output_score"] else 1,
             differentiable=False, hint=name.replace("_contrib_", "").lower())(ProposalOp)


_make("_contrib_Proposal", False)
_make("_contrib_MultiProposal", True)
