"""Detection operators of MXNet's contrib: MultiBoxPrior (SSD anchor boxes) and ROIAlign
(bilinear region-of-interest pooling of Mask R-CNN, optionally position-sensitive)."""
import math

import numpy as np

from ..base import MXNetError, ShapeError
from .params import Bool, Float, FloatTuple, Int, Shape
from .registry import operator


@operator("_contrib_MultiBoxPrior",
          params={"sizes": FloatTuple((1.0,), "List of sizes of generated MultiBoxPriores."),
                  "ratios": FloatTuple((1.0,), "List of aspect ratios of generated "
                                               "MultiBoxPriores."),
                  "clip": Bool(False, doc="Whether to clip out-of-boundary boxes."),
                  "steps": FloatTuple((-1.0, -1.0), "Priorbox step across y and x, -1 for auto "
                                                    "calculation."),
                  "offsets": FloatTuple((0.5, 0.5), "Priorbox center offsets, y and x "
                                                    "respectively")},
          differentiable=False, hint="multiboxprior")
class MultiBoxPrior:
    """Generate prior(anchor) boxes from data, sizes and ratios: for every pixel of the (N, C,
    H, W) feature map, one box per size (with the first ratio) and one per further ratio (with
    the first size), as corners normalised to [0, 1]. Output (1, H * W * anchors, 4)."""
    def compute(xp, inputs, attrs):
        MultiBoxPrior.infer_shape(attrs, [inputs[0].shape])
        h, w = inputs[0].shape[2:4]
        sizes, ratios = attrs["sizes"], attrs["ratios"]
        step_y = attrs["steps"][0] if attrs["steps"][0] > 0 else 1.0 / h
        step_x = attrs["steps"][1] if attrs["steps"][1] > 0 else 1.0 / w
        half = [(s * h / w * math.sqrt(ratios[0]) / 2, s / math.sqrt(ratios[0]) / 2)
                for s in sizes]
        half += [(sizes[0] * h / w * math.sqrt(r) / 2, sizes[0] / math.sqrt(r) / 2)
                 for r in ratios[1:]]
        half = xp.asarray(np.array(half, dtype=np.float64))                 # (A, 2): (w, h)
        cy = (xp.arange(h) + attrs["offsets"][0]) * step_y
        cx = (xp.arange(w) + attrs["offsets"][1]) * step_x
        cy, cx = xp.meshgrid(cy, cx, indexing="ij")
        centers = xp.stack([cx, cy], axis=-1).reshape(h * w, 1, 2)
        boxes = xp.concatenate([centers - half[None], centers + half[None]], axis=-1)
        if attrs["clip"]:
            boxes = xp.clip(boxes, 0, 1)
        return boxes.reshape(1, -1, 4).astype(inputs[0].dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        if len(x) < 4:      # MXNet reads H and W from axes 2 and 3 of any data of >= 4 axes
            raise ShapeError("MultiBoxPrior: expected (N, C, H, W) data, found %s" % (tuple(x),))
        anchors = len(attrs["sizes"]) + len(attrs["ratios"]) - 1
        return in_shapes, [(1, x[2] * x[3] * anchors, 4)]


_ROI = {"pooled_size": Shape(doc="ROI Align output roi feature map height and width: (h, w)",
                             low=1),
        "spatial_scale": Float(doc="Ratio of input feature map height (or w) to raw image "
                                   "height (or w)."),
        "sample_ratio": Int(-1, doc="Optional sampling ratio of ROI align, using adaptive size "
                                    "by default."),
        "position_sensitive": Bool(False, doc="Whether to perform position-sensitive RoI "
                                              "pooling."),
        "aligned": Bool(False, doc="Center-aligned ROIAlign introduced in Detectron2.")}


def _roi_samples(roi, attrs, height, width):
    """For one roi: (flat pixel indices (ph, pw, S, 4), bilinear weights (ph, pw, S, 4)) on the
    host, S samples per bin; weights are zero for samples outside the map."""
    ph, pw = attrs["pooled_size"]
    scale, offset = attrs["spatial_scale"], 0.5 if attrs["aligned"] else 0.0
    x0, y0, x1, y1 = (float(v) * scale - offset for v in roi[1:5])
    roi_w, roi_h = x1 - x0, y1 - y0
    if not attrs["aligned"]:
        roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
    bin_h, bin_w = roi_h / ph, roi_w / pw
    gh = attrs["sample_ratio"] if attrs["sample_ratio"] > 0 else int(math.ceil(roi_h / ph))
    gw = attrs["sample_ratio"] if attrs["sample_ratio"] > 0 else int(math.ceil(roi_w / pw))
    gh, gw = max(gh, 1) if roi_h > 0 else max(gh, 0), max(gw, 1) if roi_w > 0 else max(gw, 0)
    iy = (np.arange(ph)[:, None] * bin_h + (np.arange(gh)[None, :] + 0.5) * bin_h / max(gh, 1))
    ix = (np.arange(pw)[:, None] * bin_w + (np.arange(gw)[None, :] + 0.5) * bin_w / max(gw, 1))
    y = (y0 + iy)[:, None, :, None] + np.zeros((1, pw, 1, gw))
    x = (x0 + ix)[None, :, None, :] + np.zeros((ph, 1, gh, 1))
    y, x = y.reshape(ph, pw, -1), x.reshape(ph, pw, -1)
    outside = (y < -1.0) | (y > height) | (x < -1.0) | (x > width)
    y, x = np.maximum(y, 0), np.maximum(x, 0)
    y_low = np.minimum(np.floor(y).astype(np.int64), height - 1)
    x_low = np.minimum(np.floor(x).astype(np.int64), width - 1)
    y_high = np.minimum(y_low + 1, height - 1)
    x_high = np.minimum(x_low + 1, width - 1)
    y = np.where(y_low >= height - 1, y_low, y)
    x = np.where(x_low >= width - 1, x_low, x)
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    index = np.stack([y_low * width + x_low, y_low * width + x_high,
                      y_high * width + x_low, y_high * width + x_high], axis=-1)
    weight = np.stack([hy * hx, hy * lx, ly * hx, ly * lx], axis=-1)
    weight[outside] = 0
    count = max(gh * gw, 1)
    return index, weight / count


def _roi_channels(c_in, attrs):
    ph, pw = attrs["pooled_size"]
    return c_in // (ph * pw) if attrs["position_sensitive"] else c_in


def _roi_plan(xp, rois, attrs, shape):
    """Per roi: (batch index or -1, indices, weights) with the sample geometry (host side: the
    sample counts depend on each roi's size)."""
    host = xp.asnumpy(rois) if hasattr(xp, "asnumpy") else rois
    plan = []
    for roi in host:
        b = int(roi[0])
        if b < 0:
            plan.append((b, None, None))
            continue
        index, weight = _roi_samples(roi, attrs, shape[2], shape[3])
        plan.append((b, xp.asarray(index), xp.asarray(weight)))
    return plan


def _channel_picker(xp, c_out, attrs):
    """Input channel for each (output channel, bin) of position-sensitive pooling."""
    ph, pw = attrs["pooled_size"]
    c = xp.arange(c_out)[:, None, None]
    return (c * ph + xp.arange(ph)[None, :, None]) * pw + xp.arange(pw)[None, None, :]


@operator("_contrib_ROIAlign", params=_ROI, inputs=("data", "rois"), hint="roialign")
class ROIAlign:
    """This operator takes a 4D feature map as an input array and region proposals as rois
    (num_rois, 5) [batch_index, x1, y1, x2, y2], then averages bilinearly sampled values of
    each of pooled_size bins; rois with a negative batch index give zeros. With
    position_sensitive, bin (i, j) of output channel c reads input channel (c*ph + i)*pw + j."""
    def compute(xp, inputs, attrs):
        data, rois = inputs
        n, c_in, h, w = data.shape
        ph, pw = attrs["pooled_size"]
        c_out = _roi_channels(c_in, attrs)
        out = xp.zeros((rois.shape[0], c_out, ph, pw), dtype=data.dtype)
        flat = data.reshape(n, c_in, h * w)
        picker = _channel_picker(xp, c_out, attrs) if attrs["position_sensitive"] else None
        for r, (b, index, weight) in enumerate(_roi_plan(xp, rois, attrs, data.shape)):
            if b < 0:
                continue
            values = flat[b][:, index]                      # (c_in, ph, pw, S, 4)
            pooled = (values * weight[None]).sum(axis=(-1, -2))
            if picker is not None:
                pooled = pooled[picker, xp.arange(ph)[None, :, None], xp.arange(pw)[None, None, :]]
            out[r] = pooled
        return out

    def infer_shape(attrs, in_shapes):
        data, rois = in_shapes
        if rois is not None and (len(rois) != 2 or rois[1] != 5):
            raise ShapeError("ROIAlign: rois must be (num_rois, 5), found %s" % (tuple(rois),))
        if data is None or rois is None:
            return in_shapes, [None]
        ph, pw = attrs["pooled_size"]
        return in_shapes, [(rois[0], _roi_channels(data[1], attrs), ph, pw)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_ROIAlign(out_grads[0], inputs[1], inputs[0], **attrs),
                F.zeros_like(inputs[1])]


@operator("_backward_contrib_ROIAlign", params=_ROI, inputs=("ograd", "rois", "data"))
class BackwardROIAlign:
    """The gradient of ROIAlign: each bin's gradient spread back onto the pixels its samples
    interpolated, with the same weights."""
    def compute(xp, inputs, attrs):
        og, rois, data = inputs
        n, c_in, h, w = data.shape
        ph, pw = attrs["pooled_size"]
        grad = xp.zeros((n, c_in, h * w), dtype=og.dtype)
        for r, (b, index, weight) in enumerate(_roi_plan(xp, rois, attrs, data.shape)):
            if b < 0:
                continue
            g = og[r]                                        # (c_out, ph, pw)
            if attrs["position_sensitive"]:
                full = xp.zeros((c_in, ph, pw), dtype=og.dtype)
                picker = _channel_picker(xp, g.shape[0], attrs)
                full[picker, xp.arange(ph)[None, :, None], xp.arange(pw)[None, None, :]] = g
                g = full
            contrib = g[:, :, :, None, None] * weight[None]  # (c_in, ph, pw, S, 4)
            target = grad[b]
            cols = xp.broadcast_to(index[None], contrib.shape).reshape(c_in, -1)
            rows = xp.broadcast_to(xp.arange(c_in)[:, None], cols.shape)
            xp.add.at(target, (rows, cols), contrib.reshape(c_in, -1))
        return grad.reshape(data.shape)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


_VARIANCES = FloatTuple((0.1, 0.1, 0.2, 0.2), "Variances of the box regression encoding.")


def _corner_to_center(xp, boxes):
    w = boxes[..., 2] - boxes[..., 0]
    h = boxes[..., 3] - boxes[..., 1]
    return boxes[..., 0] + w / 2, boxes[..., 1] + h / 2, w, h


def _iou_matrix(a, b):
    """IoU of anchors a (n, 4) with ground truths b (m, 4), host NumPy."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0)


@operator("_contrib_MultiBoxTarget",
          params={"overlap_threshold": Float(0.5, doc="Anchor-GT overlap threshold to be "
                                                      "regarded as a positive match."),
                  "ignore_label": Float(-1.0, doc="Label for ignored anchors."),
                  "negative_mining_ratio": Float(-1.0, doc="Max negative to positive samples "
                                                           "ratio, use -1 to disable mining"),
                  "negative_mining_thresh": Float(0.5, doc="Threshold used for negative "
                                                           "mining."),
                  "minimum_negative_samples": Int(0, doc="Minimum number of negative "
                                                         "samples."),
                  "variances": _VARIANCES},
          inputs=("anchor", "label", "cls_pred"), outputs=("loc_target", "loc_mask", "cls_target"),
          differentiable=False, hint="multiboxtarget")
class MultiBoxTarget:
    """Compute Multibox training targets: anchors (1, N, 4) are matched to the labels (B, M, 5)
    [class, xmin, ymin, xmax, ymax] (rows of -1 pad): each ground truth first takes its best
    free anchor, then every other anchor whose best IoU exceeds overlap_threshold. Returns the
    encoded box offsets (B, N * 4), their mask, and the class targets (B, N): class + 1 for
    matches, 0 for background, ignore_label for anchors left out by negative mining."""
    def compute(xp, inputs, attrs):
        MultiBoxTarget.infer_shape(attrs, [x.shape for x in inputs])
        anchor, label, cls_pred = inputs
        host = [xp.asnumpy(a) if hasattr(xp, "asnumpy") else a for a in inputs]
        anchors, labels, preds = (h.astype(np.float64) for h in host)
        anchors = anchors.reshape(-1, 4)
        n, batch = anchors.shape[0], labels.shape[0]
        var = attrs["variances"]
        loc_t = np.zeros((batch, n, 4))
        loc_m = np.zeros((batch, n, 4))
        cls_t = np.zeros((batch, n))
        ax, ay, aw, ah = _corner_to_center(np, anchors)
        for b in range(batch):
            gts = labels[b]
            valid = 0
            while valid < gts.shape[0] and gts[valid, 0] != -1:
                valid += 1
            gts = gts[:valid]
            match = np.full(n, -1)
            if valid:
                iou = _iou_matrix(anchors, gts[:, 1:5])
                work = iou.copy()
                for _ in range(valid):                 # greedy: best pair first
                    i, j = np.unravel_index(np.argmax(work), work.shape)
                    if work[i, j] <= 1e-12:
                        break
                    match[i] = j
                    work[i, :] = -1
                    work[:, j] = -1
                best = iou.argmax(axis=1)
                best_iou = iou.max(axis=1)
                free = (match < 0) & (best_iou > attrs["overlap_threshold"])
                match[free] = best[free]
            positive = match >= 0
            if attrs["negative_mining_ratio"] > 0:
                cls_t[b] = attrs["ignore_label"]
                num_pos = int(positive.sum())
                num_neg = int(min(max(num_pos * attrs["negative_mining_ratio"],
                                      attrs["minimum_negative_samples"]), n - num_pos))
                if valid:
                    candidates = ~positive & (iou.max(axis=1) < attrs["negative_mining_thresh"])
                else:
                    candidates = ~positive
                # hardest negatives: the lowest background probability after softmax
                logits = preds[b]
                prob = np.exp(logits - logits.max(axis=0))
                prob = prob[0] / prob.sum(axis=0)
                order = [i for i in np.argsort(prob, kind="stable") if candidates[i]]
                cls_t[b, order[:num_neg]] = 0
            cls_t[b, positive] = gts[match[positive], 0] + 1 if valid else 0
            if positive.any():
                g = gts[match[positive], 1:5]
                gx, gy, gw, gh = _corner_to_center(np, g)
                p = positive
                loc_t[b, p] = np.stack([(gx - ax[p]) / aw[p] / var[0],
                                        (gy - ay[p]) / ah[p] / var[1],
                                        np.log(gw / aw[p]) / var[2],
                                        np.log(gh / ah[p]) / var[3]], axis=-1)
                loc_m[b, p] = 1
        dtype = anchor.dtype
        return [xp.asarray(loc_t.reshape(batch, -1).astype(dtype)),
                xp.asarray(loc_m.reshape(batch, -1).astype(dtype)),
                xp.asarray(cls_t.astype(dtype))]

    def infer_shape(attrs, in_shapes):
        anchor, label, pred = in_shapes
        # MXNet's checks: anchors (1, N, 4) shared by the batch, labels (B, M, >= 5),
        # class predictions (B, classes, N)
        if anchor is not None and (len(anchor) != 3 or anchor[0] != 1 or anchor[2] != 4):
            raise ShapeError("MultiBoxTarget: anchors must be (1, num_anchors, 4), found %s"
                             % (tuple(anchor),))
        if label is not None and (len(label) != 3 or label[2] < 5):
            raise ShapeError("MultiBoxTarget: labels must be (batch, num_labels, >= 5), found %s"
                             % (tuple(label),))
        if pred is not None and (len(pred) != 3 or
                                 (anchor is not None and pred[2] != anchor[1])):
            raise ShapeError("MultiBoxTarget: class predictions must be (batch, classes, "
                             "num_anchors) with the anchors' count, found %s" % (tuple(pred),))
        if anchor is None or label is None:
            return in_shapes, [None, None, None]
        n = anchor[1]
        return in_shapes, [(label[0], n * 4), (label[0], n * 4), (label[0], n)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]] * 3


@operator("_contrib_MultiBoxDetection",
          params={"clip": Bool(True, doc="Clip out-of-boundary boxes."),
                  "threshold": Float(0.01, doc="Threshold to be a positive prediction."),
                  "background_id": Int(0, doc="Background id."),
                  "nms_threshold": Float(0.5, doc="Non-maximum suppression threshold."),
                  "force_suppress": Bool(False, doc="Suppress all detections regardless of "
                                                    "class_id."),
                  "variances": _VARIANCES,
                  "nms_topk": Int(-1, doc="Keep maximum top k detections before nms, -1 for "
                                          "no limit.")},
          inputs=("cls_prob", "loc_pred", "anchor"), differentiable=False,
          hint="multiboxdetection")
class MultiBoxDetection:
    """Convert multibox detection predictions: class probabilities (B, classes, N), box
    offsets (B, N * 4) and anchors (1, N, 4) give (B, N, 6) rows [class_id, score, xmin, ymin,
    xmax, ymax], sorted by score, with -1 ids for suppressed or background rows."""
    def compute(xp, inputs, attrs):
        host = [xp.asnumpy(a) if hasattr(xp, "asnumpy") else a for a in inputs]
        probs, locs, anchors = (h.astype(np.float64) for h in host)
        batch, classes, n = probs.shape
        anchors = anchors.reshape(-1, 4)
        ax, ay, aw, ah = _corner_to_center(np, anchors)
        var = attrs["variances"]
        out = np.full((batch, n, 6), -1.0)
        bg = attrs["background_id"]
        for b in range(batch):
            p = probs[b].copy()
            p[bg] = -np.inf
            ids = p.argmax(axis=0)
            scores = p.max(axis=0)
            keep = (ids != bg) & (scores >= attrs["threshold"])
            loc = locs[b].reshape(n, 4)
            ox = loc[:, 0] * var[0] * aw + ax
            oy = loc[:, 1] * var[1] * ah + ay
            ow = np.exp(loc[:, 2] * var[2]) * aw / 2
            oh = np.exp(loc[:, 3] * var[3]) * ah / 2
            boxes = np.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=-1)
            if attrs["clip"]:
                boxes = np.clip(boxes, 0, 1)
            cls_id = np.where(ids > bg, ids - 1, ids)   # ids count classes without background
            rows = np.concatenate([cls_id[:, None], scores[:, None], boxes], axis=1)[keep]
            rows = rows[np.argsort(-rows[:, 1], kind="stable")]
            if attrs["nms_topk"] > 0:
                rows = rows[:attrs["nms_topk"]]
            if len(rows):
                iou = _iou_matrix(rows[:, 2:6], rows[:, 2:6])
                for i in range(len(rows)):
                    if rows[i, 0] < 0:
                        continue
                    same = (rows[i + 1:, 0] == rows[i, 0]) | attrs["force_suppress"]
                    hit = (iou[i, i + 1:] > attrs["nms_threshold"]) & same & (rows[i + 1:, 0] >= 0)
                    rows[i + 1:, 0][hit] = -1
                out[b, :len(rows)] = rows
        return xp.asarray(out.astype(inputs[0].dtype))

    def infer_shape(attrs, in_shapes):
        probs = in_shapes[0]
        if probs is None:
            return in_shapes, [None]
        return in_shapes, [(probs[0], probs[2], 6)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


_PSROI = {"spatial_scale": Float(doc="Ratio of input feature map height (or w) to raw image "
                                     "height (or w)."),
          "output_dim": Int(doc="fix output dim", low=1),
          "pooled_size": Int(doc="fix pooled size", low=1),
          "group_size": Int(0, doc="fix group size; 0: pooled_size", low=0)}


def _psroi_bins(roi, attrs, height, width):
    """For one roi: per (ph, pw) bin, the (hstart, hend, wstart, wend) window and the
    (group row, group column), as R-FCN's position-sensitive pooling defines them."""
    k = attrs["pooled_size"]
    group = attrs["group_size"] or k
    scale = attrs["spatial_scale"]
    x0, y0 = round(float(roi[1])) * scale, round(float(roi[2])) * scale
    x1, y1 = (round(float(roi[3])) + 1.0) * scale, (round(float(roi[4])) + 1.0) * scale
    roi_w, roi_h = max(x1 - x0, 0.1), max(y1 - y0, 0.1)
    bin_h, bin_w = roi_h / k, roi_w / k
    bins = []
    for ph in range(k):
        for pw in range(k):
            hs = min(max(int(math.floor(ph * bin_h + y0)), 0), height)
            he = min(max(int(math.ceil((ph + 1) * bin_h + y0)), 0), height)
            ws = min(max(int(math.floor(pw * bin_w + x0)), 0), width)
            we = min(max(int(math.ceil((pw + 1) * bin_w + x0)), 0), width)
            gh = min(max(ph * group // k, 0), group - 1)
            gw = min(max(pw * group // k, 0), group - 1)
            bins.append((ph, pw, hs, he, ws, we, gh, gw))
    return group, bins


@operator("_contrib_PSROIPooling", params=_PSROI, inputs=("data", "rois"), hint="psroipooling")
class PSROIPooling:
    """Performs region-of-interest pooling on inputs, position-sensitive (R-FCN): bin (i, j) of
    output channel c averages input channel (c * group + gi) * group + gj over the bin's
    window. rois are (num_rois, 5) [batch_index, x1, y1, x2, y2]; output (num_rois,
    output_dim, pooled_size, pooled_size)."""
    def compute(xp, inputs, attrs):
        data, rois = inputs
        PSROIPooling.infer_shape(attrs, [data.shape, rois.shape])
        k, dim = attrs["pooled_size"], attrs["output_dim"]
        out = xp.zeros((rois.shape[0], dim, k, k), dtype=data.dtype)
        host = xp.asnumpy(rois) if hasattr(xp, "asnumpy") else rois
        channels = xp.arange(dim)
        for r, roi in enumerate(host):
            b = int(roi[0])
            group, bins = _psroi_bins(roi, attrs, data.shape[2], data.shape[3])
            for ph, pw, hs, he, ws, we, gh, gw in bins:
                if he <= hs or we <= ws:
                    continue
                window = data[b, (channels * group + gh) * group + gw, hs:he, ws:we]
                out[r, :, ph, pw] = window.mean(axis=(1, 2))
        return out

    def infer_shape(attrs, in_shapes):
        data, rois = in_shapes
        if data is not None:
            group = attrs["group_size"] or attrs["pooled_size"]
            if data[1] != attrs["output_dim"] * group * group:
                raise ShapeError("PSROIPooling: data needs output_dim * group_size^2 = %d "
                                 "channels, found %d" % (attrs["output_dim"] * group * group,
                                                         data[1]))
        if rois is None:
            return in_shapes, [None]
        k = attrs["pooled_size"]
        return in_shapes, [(rois[0], attrs["output_dim"], k, k)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_PSROIPooling(out_grads[0], inputs[1], inputs[0], **attrs),
                F.zeros_like(inputs[1])]


@operator("_backward_contrib_PSROIPooling", params=_PSROI, inputs=("ograd", "rois", "data"))
class BackwardPSROIPooling:
    """The gradient of PSROIPooling: each bin's gradient spread evenly over its window of its
    input channel."""
    def compute(xp, inputs, attrs):
        og, rois, data = inputs
        grad = xp.zeros(data.shape, dtype=og.dtype)
        host = xp.asnumpy(rois) if hasattr(xp, "asnumpy") else rois
        channels = xp.arange(attrs["output_dim"])
        for r, roi in enumerate(host):
            b = int(roi[0])
            group, bins = _psroi_bins(roi, attrs, data.shape[2], data.shape[3])
            for ph, pw, hs, he, ws, we, gh, gw in bins:
                if he <= hs or we <= ws:
                    continue
                share = og[r, :, ph, pw] / ((he - hs) * (we - ws))
                grad[b, (channels * group + gh) * group + gw, hs:he, ws:we] += share[:, None, None]
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


def _rroi_samples(roi, attrs, height, width):
    """For one rotated roi [batch, cx, cy, w, h, degrees]: (flat indices (ph, pw, S, 4),
    bilinear weights (ph, pw, S, 4)) of its samples, averaged per bin."""
    ph, pw = attrs["pooled_size"]
    scale = attrs["spatial_scale"]
    cx, cy = float(roi[1]) * scale, float(roi[2]) * scale
    rw, rh = max(float(roi[3]) * scale, 1.0), max(float(roi[4]) * scale, 1.0)
    theta = float(roi[5]) * math.pi / 180.0
    bin_h, bin_w = rh / ph, rw / pw
    gh = attrs["sampling_ratio"] if attrs["sampling_ratio"] > 0 else int(math.ceil(rh / ph))
    gw = attrs["sampling_ratio"] if attrs["sampling_ratio"] > 0 else int(math.ceil(rw / pw))
    yy = -rh / 2 + np.arange(ph)[:, None] * bin_h + (np.arange(gh)[None, :] + 0.5) * bin_h / gh
    xx = -rw / 2 + np.arange(pw)[:, None] * bin_w + (np.arange(gw)[None, :] + 0.5) * bin_w / gw
    yy = yy[:, None, :, None] + np.zeros((1, pw, 1, gw))
    xx = xx[None, :, None, :] + np.zeros((ph, 1, gh, 1))
    cos, sin = math.cos(theta), math.sin(theta)
    x = (xx * cos + yy * sin + cx).reshape(ph, pw, -1)
    y = (yy * cos - xx * sin + cy).reshape(ph, pw, -1)
    outside = (y < -1.0) | (y > height) | (x < -1.0) | (x > width)
    y, x = np.maximum(y, 0), np.maximum(x, 0)
    y_low, x_low = y.astype(np.int64), x.astype(np.int64)
    y_clamp, x_clamp = y_low >= height - 1, x_low >= width - 1
    y_low = np.where(y_clamp, height - 1, y_low)
    x_low = np.where(x_clamp, width - 1, x_low)
    y = np.where(y_clamp, y_low, y)
    x = np.where(x_clamp, x_low, x)
    y_high = np.where(y_clamp, y_low, y_low + 1)
    x_high = np.where(x_clamp, x_low, x_low + 1)
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    index = np.stack([y_low * width + x_low, y_low * width + x_high,
                      y_high * width + x_low, y_high * width + x_high], axis=-1)
    weight = np.stack([hy * hx, hy * lx, ly * hx, ly * lx], axis=-1)
    index[outside] = 0
    weight[outside] = 0
    return index, weight / max(gh * gw, 1)


@operator("_contrib_RROIAlign",
          params={"pooled_size": Shape(doc="RROI align output shape (h,w) ", low=1),
                  "spatial_scale": Float(doc="Ratio of input feature map height (or width) to "
                                             "raw image height (or width)."),
                  "sampling_ratio": Int(-1, doc="Optional sampling ratio of RROI align, using "
                                                "adaptive size by default.")},
          inputs=("data", "rois"), hint="rroialign")
class RROIAlign:
    """Performs Rotated ROI Align on the input array: rois (num_rois, 6) [batch_index, x_center,
    y_center, width, height, angle in degrees] are sampled bilinearly on a grid rotated with
    them and averaged per bin (text detection). As in MXNet, there is no backward pass."""
    def compute(xp, inputs, attrs):
        data, rois = inputs
        n, c, h, w = data.shape
        ph, pw = attrs["pooled_size"]
        out = xp.zeros((rois.shape[0], c, ph, pw), dtype=data.dtype)
        flat = data.reshape(n, c, h * w)
        host = xp.asnumpy(rois) if hasattr(xp, "asnumpy") else rois
        for r, roi in enumerate(host):
            index, weight = _rroi_samples(roi, attrs, h, w)
            values = flat[int(roi[0])][:, xp.asarray(index)]          # (c, ph, pw, S, 4)
            out[r] = (values * xp.asarray(weight)[None]).sum(axis=(-1, -2))
        return out

    def infer_shape(attrs, in_shapes):
        data, rois = in_shapes
        if rois is not None and (len(rois) != 2 or rois[1] != 6):
            raise ShapeError("RROIAlign: rois must be (num_rois, 6), found %s" % (tuple(rois),))
        if data is None or rois is None:
            return in_shapes, [None]
        return in_shapes, [(rois[0], data[1]) + tuple(attrs["pooled_size"])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # MXNet 1.9.1 registers no gradient for RROIAlign: a gradient needed through it is
        # refused, never zero (declaring it non-differentiable would silently pass zeros on).
        raise MXNetError("gradient is not available through operator _contrib_RROIAlign: "
                         "MXNet 1.9.1 defines no backward pass for it")
