"""`mx.image` for object detection: augmenters that transform an image together with its
boxes, and ImageDetIter (MXNet 1.x's `mx.image.detection`, also `mx.image.det`).

A detection label is a float vector ``[A, B, extra header..., obj_1, obj_2, ...]``: A is the
header width (at least 2), B the width of one object (at least 5), and each object is
``[class_id, xmin, ymin, xmax, ymax, extra...]`` with corners normalized to [0, 1]. Parsed, a
label is a NumPy (num_objects, B) array; batches pad it with rows of -1 to a fixed shape.

Random draws use Python's `random` (box colors of draw_next NumPy's), as MXNet's do, so a
seeded run proposes the same crops and pads as MXNet.
"""
import json
import logging
import math
import random
import warnings

import numpy as np

from ..base import MXNetError, FailedCheckError, ArgumentTypeError, InvalidArgumentError
from ..base import numeric_types
from ..ndarray import NDArray
from ..io.data_desc import DataDesc
from .augmenters import (Augmenter, _json_ready, _norm_values, _IMAGENET_MEAN, _IMAGENET_STD,
                         ResizeAug, ForceResizeAug, CastAug, ColorJitterAug, HueJitterAug,
                         LightingAug, RandomGrayAug, ColorNormalizeAug)
from .image import fixed_crop, copyMakeBorder
from .image_iter import ImageIter
from .. import ndarray as nd

__all__ = ["DetAugmenter", "DetBorrowAug", "DetRandomSelectAug", "DetHorizontalFlipAug",
           "DetRandomCropAug", "DetRandomPadAug", "CreateMultiRandCropAugmenter",
           "CreateDetAugmenter", "ImageDetIter"]


class DetAugmenter:
    """The base class of detection augmenters: `__call__(src, label)` returns the augmented
    (image, label) pair; `dumps()` describes the augmenter.

    Parameters
    ----------
    **kwargs
        The augmenter's parameters (recorded for `dumps`).

    Examples
    --------
    >>> class Identity(mx.image.DetAugmenter):
    ...     def __call__(self, src, label):
    ...         return src, label
    >>> Identity(p=1).dumps()
    '["identity", {"p": 1}]'
    """

    def __init__(self, **kwargs):
        self._kwargs = _json_ready(kwargs)

    def dumps(self):
        """The augmenter as a JSON string: [name, parameters].

        Returns
        -------
        str
        """
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, src, label):
        raise NotImplementedError("Must override implementation.")


class DetBorrowAug(DetAugmenter):
    """Applies an image-classification augmenter that leaves the boxes unchanged (resizing to
    the whole image, color jitter, casting, normalization).

    Parameters
    ----------
    augmenter : mx.image.Augmenter
        The borrowed augmenter.

    Examples
    --------
    >>> aug = mx.image.DetBorrowAug(mx.image.CastAug())
    >>> img, label = aug(mx.nd.zeros((4, 4, 3), dtype='uint8'), np.zeros((1, 5)))
    >>> img.dtype
    <class 'numpy.float32'>
    """

    def __init__(self, augmenter):
        if not isinstance(augmenter, Augmenter):
            raise ArgumentTypeError("DetBorrowAug: Borrowing from invalid Augmenter: expected "
                                    "an mx.image.Augmenter, found %s" % type(augmenter).__name__)
        super().__init__(augmenter=augmenter.dumps())
        self.augmenter = augmenter

    def dumps(self):
        """[name, the borrowed augmenter's dumps()] (not JSON-encoded twice)."""
        return [self.__class__.__name__.lower(), self.augmenter.dumps()]

    def __call__(self, src, label):
        return self.augmenter(src), label


class DetRandomSelectAug(DetAugmenter):
    """Applies one augmenter chosen at random from a list, or, with probability `skip_prob`,
    none.

    Parameters
    ----------
    aug_list : DetAugmenter or list of DetAugmenter
        The candidates; an empty list always skips.
    skip_prob : float, default 0
        The probability of returning the input unchanged.

    Examples
    --------
    >>> aug = mx.image.DetRandomSelectAug([mx.image.DetHorizontalFlipAug(1)], skip_prob=0)
    >>> _, label = aug(mx.nd.zeros((4, 4, 3)), np.array([[0, 0.1, 0.2, 0.3, 0.4]]))
    >>> label[0, [1, 3]].tolist()
    [0.7, 0.9]
    """

    def __init__(self, aug_list, skip_prob=0):
        super().__init__(skip_prob=skip_prob)
        if not isinstance(aug_list, (list, tuple)):
            aug_list = [aug_list]
        for aug in aug_list:
            if not isinstance(aug, DetAugmenter):
                raise InvalidArgumentError("DetRandomSelectAug: Allow DetAugmenter in list "
                                           "only, found %s" % type(aug).__name__)
        if not aug_list:
            skip_prob = 1  # nothing to choose from
        self.aug_list = aug_list
        self.skip_prob = skip_prob

    def dumps(self):
        """[name, [each candidate's dumps()]]."""
        return [self.__class__.__name__.lower(), [x.dumps() for x in self.aug_list]]

    def __call__(self, src, label):
        if random.random() < self.skip_prob:
            return src, label
        # MXNet shuffles the list in place and applies its first member.
        random.shuffle(self.aug_list)
        return self.aug_list[0](src, label)


class DetHorizontalFlipAug(DetAugmenter):
    """With probability `p`, flips the image left to right and mirrors the boxes
    (xmin, xmax <- 1 - xmax, 1 - xmin), modifying `label` in place.

    Parameters
    ----------
    p : float
        The probability of flipping.

    Examples
    --------
    >>> label = np.array([[3, 0.1, 0.2, 0.4, 0.6]])
    >>> _, label = mx.image.DetHorizontalFlipAug(1)(mx.nd.zeros((4, 4, 3)), label)
    >>> label.tolist()
    [[3.0, 0.6, 0.2, 0.9, 0.6]]
    """

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src, label):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
            self._flip_label(label)
        return src, label

    @staticmethod
    def _flip_label(label):
        new_xmin = 1.0 - label[:, 3]
        label[:, 3] = 1.0 - label[:, 1]
        label[:, 1] = new_xmin


def _as_range(value, what, owner):
    """A (low, high) pair from a pair or a single number (a fixed value)."""
    if isinstance(value, (tuple, list)):
        return value
    if not isinstance(value, numeric_types):
        raise FailedCheckError("%s: %s must be a number or a (min, max) pair, found %r"
                               % (owner, what, value))
    logging.info("Using fixed %s: %s in %s", what, value, owner)
    return (value, value)


def _box_areas(boxes):
    """Areas of (N, 4+) boxes [xmin, ymin, xmax, ymax, ...]; empty boxes have area 0."""
    heights = np.maximum(0, boxes[:, 3] - boxes[:, 1])
    widths = np.maximum(0, boxes[:, 2] - boxes[:, 0])
    return heights * widths


def _clip_boxes(boxes, xmin, ymin, xmax, ymax):
    """The boxes intersected with the window; boxes that miss it become all zeros."""
    left = np.maximum(boxes[:, 0], xmin)
    right = np.minimum(boxes[:, 2], xmax)
    top = np.maximum(boxes[:, 1], ymin)
    bot = np.minimum(boxes[:, 3], ymax)
    out = boxes.copy()
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = left, top, right, bot
    out[np.logical_or(left >= right, top >= bot)] = 0
    return out


class DetRandomCropAug(DetAugmenter):
    """Crops a random window that satisfies object-coverage constraints and moves the boxes
    into its coordinates; after `max_attempts` failed proposals the input is returned.

    A window of aspect ratio (width / height) in `aspect_ratio_range` and area (a fraction of
    the image) in `area_range` is accepted when every object (of more than 2 pixels) that it
    overlaps has more than `min_object_covered` of its area inside. Boxes are then clipped
    to the window and renormalized; those keeping no more than `min_eject_coverage` of their
    area are dropped (the proposal fails when none remains).

    Parameters
    ----------
    min_object_covered : float, default 0.1
    aspect_ratio_range : tuple of float or float, default (0.75, 1.33)
    area_range : tuple of float or float, default (0.05, 1.0)
    min_eject_coverage : float, default 0.3
    max_attempts : int, default 50

    Examples
    --------
    >>> aug = mx.image.DetRandomCropAug(area_range=(0.25, 0.25), aspect_ratio_range=1.0,
    ...                                 min_object_covered=0, min_eject_coverage=0.2)
    >>> img, label = aug(mx.nd.zeros((40, 40, 3)), np.array([[0, 0., 0., 1., 1.]]))
    >>> img.shape, label.tolist()
    ((20, 20, 3), [[0.0, 0.0, 0.0, 1.0, 1.0]])
    """

    def __init__(self, min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33),
                 area_range=(0.05, 1.0), min_eject_coverage=0.3, max_attempts=50):
        aspect_ratio_range = _as_range(aspect_ratio_range, "aspect ratio", "DetRandomCropAug")
        area_range = _as_range(area_range, "area range", "DetRandomCropAug")
        super().__init__(min_object_covered=min_object_covered,
                         aspect_ratio_range=aspect_ratio_range, area_range=area_range,
                         min_eject_coverage=min_eject_coverage, max_attempts=max_attempts)
        self.min_object_covered = min_object_covered
        self.min_eject_coverage = min_eject_coverage
        self.max_attempts = max_attempts
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.enabled = False
        if area_range[1] <= 0 or area_range[0] > area_range[1]:
            warnings.warn("Skip DetRandomCropAug due to invalid area_range: %s"
                          % (area_range,))
        elif aspect_ratio_range[0] > aspect_ratio_range[1] or aspect_ratio_range[0] <= 0:
            warnings.warn("Skip DetRandomCropAug due to invalid aspect_ratio_range: %s"
                          % (aspect_ratio_range,))
        else:
            self.enabled = True

    def __call__(self, src, label):
        crop = self._random_crop_proposal(label, src.shape[0], src.shape[1])
        if crop:
            x, y, w, h, label = crop
            src = fixed_crop(src, x, y, w, h, None)
        return src, label

    def _satisfies_constraints(self, label, xmin, ymin, xmax, ymax, width, height):
        """Whether the pixel window keeps enough of every object it overlaps."""
        if (xmax - xmin) * (ymax - ymin) < 2:
            return False  # a single pixel
        areas = _box_areas(label[:, 1:])
        valid = np.where(areas * width * height > 2)[0]
        if valid.size < 1:
            return False
        window = (float(xmin) / width, float(ymin) / height,
                  float(xmax) / width, float(ymax) / height)
        kept = _box_areas(_clip_boxes(label[valid, 1:], *window)) / areas[valid]
        kept = kept[kept > 0]
        return kept.size > 0 and np.amin(kept) > self.min_object_covered

    def _update_labels(self, label, crop_box, height, width):
        """The boxes in the crop's normalized coordinates, without the ejected ones (None
        when none is left)."""
        x0, y0 = float(crop_box[0]) / width, float(crop_box[1]) / height
        w, h = float(crop_box[2]) / width, float(crop_box[3]) / height
        out = label.copy()
        out[:, (1, 3)] = (out[:, (1, 3)] - x0) / w
        out[:, (2, 4)] = (out[:, (2, 4)] - y0) / h
        out[:, 1:5] = np.clip(out[:, 1:5], 0, 1)
        coverage = _box_areas(out[:, 1:]) * w * h / _box_areas(label[:, 1:])
        valid = np.logical_and(out[:, 3] > out[:, 1], out[:, 4] > out[:, 2])
        valid = np.where(np.logical_and(valid, coverage > self.min_eject_coverage))[0]
        if valid.size < 1:
            return None
        return out[valid, :]

    def _crop_size(self, ratio, height, width, min_area, max_area):
        """A random (w, h) of aspect `ratio` with area in [min_area, max_area] fitting the
        image, or None (the same integer search as MXNet's, so seeded runs agree)."""
        h = int(round(math.sqrt(min_area / ratio)))
        max_h = int(round(math.sqrt(max_area / ratio)))
        if round(max_h * ratio) > width:
            # the largest height whose rounded width still fits
            max_h = int((width + 0.4999999) / ratio)
        max_h = min(max_h, height)
        h = min(h, max_h)
        if h < max_h:
            h = random.randint(h, max_h)
        w = int(round(h * ratio))
        # one step up or down to undo rounding out of the area range
        if w * h < min_area:
            h += 1
            w = int(round(h * ratio))
        if w * h > max_area:
            h -= 1
            w = int(round(h * ratio))
        if min_area <= w * h <= max_area and 0 <= w <= width and 0 <= h <= height:
            return w, h
        return None

    def _random_crop_proposal(self, label, height, width):
        """(x, y, w, h, new_label) of an accepted window, or () after max_attempts."""
        for ratio, min_area, max_area in _proposal_tries(self, height, width):
            size = self._crop_size(ratio, height, width, min_area, max_area)
            if size is None:
                continue
            w, h = size
            y = random.randint(0, max(0, height - h))
            x = random.randint(0, max(0, width - w))
            if self._satisfies_constraints(label, x, y, x + w, y + h, width, height):
                new_label = self._update_labels(label, (x, y, w, h), height, width)
                if new_label is not None:
                    return (x, y, w, h, new_label)
        return ()


def _proposal_tries(augmenter, height, width):
    """(ratio, min_area, max_area) for each of `augmenter.max_attempts` tries whose random
    aspect ratio is positive (a try with another one is spent all the same, as in MXNet); none
    when the augmenter is disabled or the image is empty. The areas bound the proposal's."""
    if not augmenter.enabled or height <= 0 or width <= 0:
        return
    min_area = augmenter.area_range[0] * height * width
    max_area = augmenter.area_range[1] * height * width
    for _ in range(augmenter.max_attempts):
        ratio = random.uniform(*augmenter.aspect_ratio_range)
        if ratio <= 0:
            continue
        yield ratio, min_area, max_area


def _border_values(pad_val, channels):
    """Per-channel fill values: a single number fills the first channel only and the others
    with 0 (OpenCV's Scalar, as MXNet's copyMakeBorder)."""
    values = list(pad_val) if isinstance(pad_val, (list, tuple)) else [pad_val]
    values = (values + [0] * channels)[:channels]
    return tuple(values)


class DetRandomPadAug(DetAugmenter):
    """Places the image at a random position in a larger canvas filled with `pad_val` and
    moves the boxes accordingly; after `max_attempts` failed proposals the input is returned.

    The canvas has an aspect ratio (width / height) in `aspect_ratio_range` and an area (a
    multiple of the image's) in `area_range`, and is at least 2 pixels larger each way.

    Parameters
    ----------
    aspect_ratio_range : tuple of float or float, default (0.75, 1.33)
    area_range : tuple of float or float, default (1.0, 3.0)
        The upper bound must exceed 1.
    max_attempts : int, default 50
    pad_val : float or tuple of float, default (128, 128, 128)
        The fill, per channel.

    Examples
    --------
    >>> aug = mx.image.DetRandomPadAug(aspect_ratio_range=1.0, area_range=(4.0, 4.0))
    >>> img, label = aug(mx.nd.zeros((10, 10, 3)), np.array([[0, 0., 0., 1., 1.]]))
    >>> img.shape
    (20, 20, 3)
    """

    def __init__(self, aspect_ratio_range=(0.75, 1.33), area_range=(1.0, 3.0),
                 max_attempts=50, pad_val=(128, 128, 128)):
        if not isinstance(pad_val, (list, tuple)) and not isinstance(pad_val, numeric_types):
            raise FailedCheckError("DetRandomPadAug: pad_val must be a number or a tuple of "
                                   "numbers, found %r" % (pad_val,))
        aspect_ratio_range = _as_range(aspect_ratio_range, "aspect ratio", "DetRandomPadAug")
        area_range = _as_range(area_range, "area range", "DetRandomPadAug")
        super().__init__(aspect_ratio_range=aspect_ratio_range, area_range=area_range,
                         max_attempts=max_attempts, pad_val=pad_val)
        self.pad_val = pad_val
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.max_attempts = max_attempts
        self.enabled = False
        if area_range[1] <= 1.0 or area_range[0] > area_range[1]:
            warnings.warn("Skip DetRandomPadAug due to invalid parameters: %s" % (area_range,))
        elif aspect_ratio_range[0] <= 0 or aspect_ratio_range[0] > aspect_ratio_range[1]:
            warnings.warn("Skip DetRandomPadAug due to invalid aspect_ratio_range: %s"
                          % (aspect_ratio_range,))
        else:
            self.enabled = True

    def __call__(self, src, label):
        height, width, channels = src.shape
        pad = self._random_pad_proposal(label, height, width)
        if pad:
            x, y, w, h, label = pad
            src = copyMakeBorder(src, y, h - y - height, x, w - x - width, 0,
                                 values=_border_values(self.pad_val, channels))
        return src, label

    @staticmethod
    def _update_labels(label, pad_box, height, width):
        """The boxes in the canvas's normalized coordinates."""
        out = label.copy()
        out[:, (1, 3)] = (out[:, (1, 3)] * width + pad_box[0]) / pad_box[2]
        out[:, (2, 4)] = (out[:, (2, 4)] * height + pad_box[1]) / pad_box[3]
        return out

    def _random_pad_proposal(self, label, height, width):
        """(x, y, w, h, new_label) of the canvas, or () after max_attempts."""
        for ratio, min_area, max_area in _proposal_tries(self, height, width):
            h = int(round(math.sqrt(min_area / ratio)))
            max_h = int(round(math.sqrt(max_area / ratio)))
            if round(h * ratio) < width:
                h = int((width + 0.499999) / ratio)
            h = min(max(h, height), max_h)
            if h < max_h:
                h = random.randint(h, max_h)
            w = int(round(h * ratio))
            if (h - height) < 2 or (w - width) < 2:
                continue  # marginal padding is not worth it
            y = random.randint(0, max(0, h - height))
            x = random.randint(0, max(0, w - width))
            return (x, y, w, h, self._update_labels(label, (x, y, w, h), height, width))
        return ()


def _broadcast_choices(params):
    """Lists of equal length from parameters that are lists (one value per augmenter) or
    single values (shared by all). Only `list` means "one per augmenter": a tuple is a
    single (min, max) range."""
    lists = [p if isinstance(p, list) else [p] for p in params]
    count = max([1] + [len(p) for p in lists])
    for p in lists:
        if len(p) not in (1, count):
            raise FailedCheckError("CreateMultiRandCropAugmenter: the parameter lists must "
                                   "have the same length (or 1), found lengths %s"
                                   % [len(q) for q in lists])
    return [p * count if len(p) == 1 else p for p in lists]


def CreateMultiRandCropAugmenter(min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33),
                                 area_range=(0.05, 1.0), min_eject_coverage=0.3,
                                 max_attempts=50, skip_prob=0):
    """Several DetRandomCropAug, one chosen at random per image.

    Each parameter is a value shared by all the crop augmenters or a `list` with one value per
    augmenter (a `tuple` is one (min, max) range).

    Parameters
    ----------
    min_object_covered : float or list of float, default 0.1
    aspect_ratio_range : tuple of float or list of tuple, default (0.75, 1.33)
    area_range : tuple of float or list of tuple, default (0.05, 1.0)
    min_eject_coverage : float or list of float, default 0.3
    max_attempts : int or list of int, default 50
    skip_prob : float, default 0
        The probability of not cropping at all.

    Returns
    -------
    DetRandomSelectAug

    Examples
    --------
    >>> aug = mx.image.CreateMultiRandCropAugmenter(min_object_covered=[0.1, 0.5, 0.9],
    ...                                             area_range=(0.3, 1.0))
    >>> [a.min_object_covered for a in aug.aug_list]
    [0.1, 0.5, 0.9]
    """
    params = _broadcast_choices([min_object_covered, aspect_ratio_range, area_range,
                                 min_eject_coverage, max_attempts])
    augs = [DetRandomCropAug(min_object_covered=moc, aspect_ratio_range=arr, area_range=ar,
                             min_eject_coverage=mec, max_attempts=ma)
            for moc, arr, ar, mec, ma in zip(*params)]
    return DetRandomSelectAug(augs, skip_prob=skip_prob)


def CreateDetAugmenter(data_shape, resize=0, rand_crop=0, rand_pad=0, rand_gray=0,
                       rand_mirror=False, mean=None, std=None, brightness=0, contrast=0,
                       saturation=0, pca_noise=0, hue=0, inter_method=2, min_object_covered=0.1,
                       aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 3.0),
                       min_eject_coverage=0.3, max_attempts=50, pad_val=(127, 127, 127)):
    """The standard detection augmenter list, in MXNet's order: resize, random crop, mirror,
    random pad, force-resize to `data_shape`, cast to float32, color jitter, hue, lighting,
    gray, normalization.

    Parameters
    ----------
    data_shape : tuple of int
        (channels, height, width) of the output.
    resize : int, default 0
        Resize the shorter edge to this first (0: no).
    rand_crop : float, default 0
        Probability of a random crop (see CreateMultiRandCropAugmenter).
    rand_pad : float, default 0
        Probability of a random pad (see DetRandomPadAug; areas up to area_range[1]).
    rand_gray : float, default 0
        Probability of converting to grey.
    rand_mirror : bool, default False
        Random left-right flips (probability 0.5).
    mean, std : True or numpy.ndarray, optional
        Normalize; True uses ImageNet's values.
    brightness, contrast, saturation, pca_noise, hue : float
        Jitter strengths.
    inter_method : int, default 2
        Interpolation for all resizes (see imresize).
    min_object_covered, aspect_ratio_range, area_range, min_eject_coverage, max_attempts
        The random crop's constraints (see DetRandomCropAug); aspect_ratio_range and
        max_attempts also apply to the random pad.
    pad_val : float or tuple of float, default (127, 127, 127)
        The padding fill.

    Returns
    -------
    list of DetAugmenter

    Examples
    --------
    >>> augs = mx.image.CreateDetAugmenter((3, 300, 300), rand_crop=0.5, rand_mirror=True)
    >>> [type(a).__name__ for a in augs]
    ['DetRandomSelectAug', 'DetHorizontalFlipAug', 'DetBorrowAug', 'DetBorrowAug']
    """
    auglist = []
    if resize > 0:
        auglist.append(DetBorrowAug(ResizeAug(resize, inter_method)))
    if rand_crop > 0:
        auglist.append(CreateMultiRandCropAugmenter(min_object_covered, aspect_ratio_range,
                                                    area_range, min_eject_coverage,
                                                    max_attempts, skip_prob=(1 - rand_crop)))
    if rand_mirror > 0:
        auglist.append(DetHorizontalFlipAug(0.5))
    # padding comes late: the images it works on are no larger than needed
    if rand_pad > 0:
        pad_aug = DetRandomPadAug(aspect_ratio_range, (1.0, area_range[1]), max_attempts,
                                  pad_val)
        auglist.append(DetRandomSelectAug([pad_aug], 1 - rand_pad))
    auglist.append(DetBorrowAug(ForceResizeAug((data_shape[2], data_shape[1]), inter_method)))
    auglist.append(DetBorrowAug(CastAug()))
    if brightness or contrast or saturation:
        auglist.append(DetBorrowAug(ColorJitterAug(brightness, contrast, saturation)))
    if hue:
        auglist.append(DetBorrowAug(HueJitterAug(hue)))
    if pca_noise > 0:
        eigval = np.array([55.46, 4.794, 1.148])
        eigvec = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                           [-0.5836, -0.6948, 0.4203]])
        auglist.append(DetBorrowAug(LightingAug(pca_noise, eigval, eigvec)))
    if rand_gray > 0:
        auglist.append(DetBorrowAug(RandomGrayAug(rand_gray)))
    # MXNet's detection augmenters normalize with NumPy arrays
    mean = _norm_values(mean, _IMAGENET_MEAN, "mean", "CreateDetAugmenter", np.array)
    std = _norm_values(std, _IMAGENET_STD, "std", "CreateDetAugmenter", np.array)
    if mean is not None or std is not None:
        auglist.append(DetBorrowAug(ColorNormalizeAug(mean, std)))
    return auglist


class ImageDetIter(ImageIter):
    """Image iterator for object detection, with augmenters that move the boxes.

    Reads a RecordIO file (`path_imgrec`, with `path_imgidx` for shuffling and partitions),
    or images listed in `path_imglist` / `imglist` under `path_root`. Each label is the raw
    detection vector ``[header_width, object_width, ..., objects...]`` (see the module
    docstring); batches hold labels of shape (batch_size, max_objects, object_width), padded
    with rows of -1, where max_objects is the largest count over the data set (`label_shape`).
    Samples whose label has no valid box (before or after augmentation) are skipped.

    Parameters
    ----------
    batch_size : int
    data_shape : tuple
        (3, height, width) of the output images.
    path_imgrec, path_imglist, path_root, path_imgidx : str
    shuffle : bool, default False
    part_index, num_parts : int
        Read only part `part_index` of `num_parts`.
    aug_list : list of DetAugmenter
        Default: ``CreateDetAugmenter(data_shape, **kwargs)``.
    imglist : list
        [[label values..., path], ...] instead of a list file.
    data_name : str, default 'data'
    label_name : str, default 'label'
    last_batch_handle : {'pad', 'discard', 'roll_over'}, default 'pad'
    **kwargs
        Passed to CreateDetAugmenter (resize, rand_crop, rand_pad, rand_mirror, mean, ...).

    Examples
    --------
    >>> imglist = [[2, 5, 0, 0.1, 0.1, 0.5, 0.5, 'a.jpg'],
    ...            [2, 5, 1, 0.2, 0.2, 0.4, 0.4, 3, 0.5, 0.5, 0.9, 0.9, 'b.jpg']]
    >>> it = mx.image.ImageDetIter(2, (3, 64, 64), imglist=imglist, path_root='images')
    >>> it.provide_label
    [DataDesc[label,(2, 2, 5),<class 'numpy.float32'>,NCHW]]
    >>> it.next().label[0][0].asnumpy()[1]
    array([-1., -1., -1., -1., -1.], dtype=float32)
    """

    def __init__(self, batch_size, data_shape, path_imgrec=None, path_imglist=None,
                 path_root=None, path_imgidx=None, shuffle=False, part_index=0, num_parts=1,
                 aug_list=None, imglist=None, data_name="data", label_name="label",
                 last_batch_handle="pad", **kwargs):
        super().__init__(batch_size=batch_size, data_shape=data_shape,
                         path_imgrec=path_imgrec, path_imglist=path_imglist,
                         path_root=path_root, path_imgidx=path_imgidx, shuffle=shuffle,
                         part_index=part_index, num_parts=num_parts, aug_list=[],
                         imglist=imglist, data_name=data_name, label_name=label_name,
                         last_batch_handle=last_batch_handle)
        self.auglist = CreateDetAugmenter(data_shape, **kwargs) if aug_list is None \
            else aug_list
        # a pass over all labels finds the largest object count
        label_shape = self._estimate_label_shape()
        self.provide_label = [DataDesc(label_name, (self.batch_size,) + label_shape)]
        self.label_shape = label_shape

    def _check_valid_label(self, label):
        """Raises (a RuntimeError, so the sample is skipped) unless `label` is a
        (objects, 5+) array with at least one valid box."""
        if len(label.shape) != 2 or label.shape[1] < 5:
            raise MXNetError("ImageDetIter: Label with shape (1+, 5+) required, %s received."
                             % (label,))
        valid = np.logical_and(label[:, 0] >= 0, label[:, 3] > label[:, 1])
        valid = np.logical_and(valid, label[:, 4] > label[:, 2])
        if not valid.any():
            raise MXNetError("ImageDetIter: Invalid label occurs: no box with class id >= 0, "
                             "xmax > xmin and ymax > ymin")

    def _estimate_label_shape(self):
        """(largest object count, object width) over the data set."""
        max_count = 0
        label = None
        self.reset()
        try:
            while True:
                label, _ = self.next_sample()
                label = self._parse_label(label)
                max_count = max(max_count, label.shape[0])
        except StopIteration:
            pass
        self.reset()
        if label is None:
            raise MXNetError("ImageDetIter: the data set has no samples to take the label "
                             "shape from")
        return (max_count, label.shape[1])

    def _parse_label(self, label):
        """The (objects, object_width) array of a raw label, keeping the valid boxes
        (xmax > xmin and ymax > ymin).

        The raw label is ``[header_width, object_width, header..., objects...]``."""
        if isinstance(label, NDArray):
            label = label.asnumpy()
        raw = np.asarray(label).ravel()
        if raw.size < 7:
            raise MXNetError("ImageDetIter: Label shape is invalid: %s; a detection label "
                             "needs a header of 2+ values and an object of 5+ values"
                             % (raw.shape,))
        header_width, obj_width = int(raw[0]), int(raw[1])
        if header_width < 2 or obj_width < 1 or (raw.size - header_width) % obj_width != 0:
            raise MXNetError("ImageDetIter: Label shape %s inconsistent with header width %d "
                             "and annotation width %d." % (raw.shape, header_width, obj_width))
        out = np.reshape(raw[header_width:], (-1, obj_width))
        valid = np.where(np.logical_and(out[:, 3] > out[:, 1], out[:, 4] > out[:, 2]))[0]
        if valid.size < 1:
            raise MXNetError("ImageDetIter: Encounter sample with no valid label.")
        return out[valid, :]

    def reshape(self, data_shape=None, label_shape=None):
        """Changes the data shape and/or the padded label shape of the batches.

        Parameters
        ----------
        data_shape : tuple, optional
            The new (3, height, width).
        label_shape : tuple, optional
            The new (max_objects, object_width); the count may only grow and the width must
            stay.
        """
        if data_shape is not None:
            self.check_data_shape(data_shape)
            self.provide_data = [DataDesc(self.provide_data[0][0],
                                          (self.batch_size,) + tuple(data_shape))]
            self.data_shape = tuple(data_shape)
        if label_shape is not None:
            self.check_label_shape(label_shape)
            self.provide_label = [DataDesc(self.provide_label[0][0],
                                           (self.batch_size,) + tuple(label_shape))]
            self.label_shape = tuple(label_shape)

    def _batchify(self, batch_data, batch_label, start=0):
        """Fills rows start... of the batch; returns the number of rows filled."""
        if start == 0:
            batch_label[:] = -1  # a fresh batch: rows that stay unfilled read as padding
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image([data])
                    label = self._parse_label(label)
                    data, label = self.augmentation_transform(data, label)
                    self._check_valid_label(label)
                except RuntimeError as exc:  # MXNet skips any sample that fails here
                    logging.debug("Invalid image, skipping:  %s", exc)
                    continue
                batch_data[i] = self.postprocess_data(data)
                batch_label[i] = self._padded_label(label, batch_label.shape[1:])
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    @staticmethod
    def _padded_label(label, shape):
        label = label.asnumpy() if isinstance(label, NDArray) else np.asarray(label)
        if label.shape[0] > shape[0] or label.shape[1] != shape[1]:
            raise MXNetError("ImageDetIter: a label of shape %s does not fit the label shape "
                             "%s" % (label.shape, tuple(shape)))
        row = np.full(shape, -1, dtype=np.float32)
        row[:label.shape[0]] = label
        return row

    def augmentation_transform(self, data, label):  # pylint: disable=arguments-differ
        """Applies the detection augmenters in order to (image, label)."""
        for aug in self.auglist:
            data, label = aug(data, label)
        return data, label

    def check_label_shape(self, label_shape):
        """Raises ValueError unless `label_shape` is (count, width) with count at least the
        current one and the same object width."""
        if len(label_shape) != 2:
            raise InvalidArgumentError("ImageDetIter: label_shape should have length 2, found "
                                       "%r" % (label_shape,))
        if label_shape[0] < self.label_shape[0]:
            raise InvalidArgumentError("ImageDetIter: Attempts to reduce label count from %d "
                                       "to %d, not allowed."
                                       % (self.label_shape[0], label_shape[0]))
        if label_shape[1] != self.provide_label[0][1][2]:
            raise InvalidArgumentError("ImageDetIter: label_shape object width inconsistent: "
                                       "%d vs %d." % (self.provide_label[0][1][2],
                                                      label_shape[1]))

    def draw_next(self, color=None, thickness=2, mean=None, std=None, clip=True,
                  waitKey=None, window_name="draw_next", id2labels=None):
        """Yields the next images, augmented, with their boxes drawn (BGR uint8 arrays).

        Parameters
        ----------
        color : tuple, optional
            The box color in RGB; None: a random color per box.
        thickness : int, default 2
            Box border thickness in pixels (negative: filled boxes).
        mean, std : True or numpy.ndarray, optional
            Undo the normalization (True: ImageNet's values).
        clip : bool, default True
            Clip to [0, 255].
        waitKey : int, optional
            When set, also shows each image with OpenCV for waitKey milliseconds.
        window_name : str, default 'draw_next'
        id2labels : dict, optional
            Class id to name, written at each box's corner.

        Returns
        -------
        generator of numpy.ndarray

        Examples
        --------
        >>> for image in it.draw_next():
        ...     print(image.shape, image.dtype)
        (64, 64, 3) uint8
        """
        std = _norm_values(std, _IMAGENET_STD, "std", "ImageDetIter.draw_next", np.array)
        mean = _norm_values(mean, _IMAGENET_MEAN, "mean", "ImageDetIter.draw_next", np.array)
        bgr = None if not color else tuple(color)[::-1]
        while True:
            try:
                label, s = self.next_sample()
            except StopIteration:
                return
            data = self.imdecode(s)
            try:
                self.check_valid_image([data])
                label = self._parse_label(label)
            except RuntimeError as exc:
                logging.debug("Invalid image, skipping:  %s", exc)
                continue
            data, label = self.augmentation_transform(data, label)
            image = _viewable(data, mean, std, clip)
            _draw_boxes(image, label, bgr, thickness, id2labels)
            if waitKey is not None:
                _show(image, window_name, waitKey)
            yield image

    def sync_label_shape(self, it, verbose=False):
        """Pads this iterator's and `it`'s labels to the same object count (the larger).

        Parameters
        ----------
        it : ImageDetIter
            The other iterator (e.g. validation, for this training iterator).
        verbose : bool, default False
            Log the new shape.

        Returns
        -------
        ImageDetIter
            `it`, reshaped when needed.

        Examples
        --------
        >>> train_iter.label_shape, val_iter.label_shape
        ((30, 6), (25, 6))
        >>> val_iter = train_iter.sync_label_shape(val_iter)
        >>> val_iter.label_shape
        (30, 6)
        """
        if not isinstance(it, ImageDetIter):
            raise FailedCheckError("ImageDetIter.sync_label_shape: Synchronize with invalid "
                                   "iterator: expected an ImageDetIter, found %s"
                                   % type(it).__name__)
        train_shape, val_shape = self.label_shape, it.label_shape
        if train_shape[1] != val_shape[1]:
            raise FailedCheckError("ImageDetIter.sync_label_shape: object width mismatch: %d "
                                   "vs %d" % (train_shape[1], val_shape[1]))
        max_count = max(train_shape[0], val_shape[0])
        if max_count > train_shape[0]:
            self.reshape(None, (max_count, train_shape[1]))
        if max_count > val_shape[0]:
            it.reshape(None, (max_count, val_shape[1]))
        if verbose and max_count > min(train_shape[0], val_shape[0]):
            logging.info("Resized label_shape to (%d, %d).", max_count, train_shape[1])
        return it


def _viewable(data, mean, std, clip):
    """The augmented (H, W, 3) image as BGR uint8, normalization undone."""
    image = data.asnumpy() if isinstance(data, NDArray) else np.array(data)
    image = image.astype(np.float32)
    if std is not None:
        image *= std.asnumpy() if isinstance(std, NDArray) else std
    if mean is not None:
        image += mean.asnumpy() if isinstance(mean, NDArray) else mean
    image = image[:, :, (2, 1, 0)]
    if clip:
        image = np.clip(image, 0, 255)
    return np.ascontiguousarray(image.astype(np.uint8))


def _draw_boxes(image, label, bgr, thickness, id2labels):
    """Draws each box (rows with xmin < 0 are padding) and, with id2labels, its class name."""
    height, width, _ = image.shape
    for row in np.asarray(label):
        x1 = int(row[1] * width)
        if x1 < 0:
            continue
        y1, x2, y2 = int(row[2] * height), int(row[3] * width), int(row[4] * height)
        box_color = np.random.rand(3) * 255 if bgr is None else bgr
        _rectangle(image, x1, y1, x2, y2, box_color, thickness)
        if id2labels is not None and int(row[0]) in id2labels:
            _text(image, "%s" % id2labels[int(row[0])], x1 + 5, y1 + 5)


def _rectangle(image, x1, y1, x2, y2, color, thickness):
    """A rectangle outline `thickness` pixels wide, centered on its edges (filled when
    thickness < 0), clipped to the image."""
    height, width, _ = image.shape
    color = np.asarray(color, dtype=np.float64).astype(np.uint8)
    x1, x2 = sorted((x1, x2))
    y1, y2 = sorted((y1, y2))
    if thickness < 0:
        image[max(y1, 0):max(y2 + 1, 0), max(x1, 0):max(x2 + 1, 0)] = color
        return
    lo, hi = (max(thickness, 1) - 1) // 2, max(thickness, 1) // 2

    def band(a, b, c, d):
        image[max(a, 0):min(max(b, 0), height), max(c, 0):min(max(d, 0), width)] = color

    band(y1 - lo, y1 + hi + 1, x1 - lo, x2 + hi + 1)
    band(y2 - lo, y2 + hi + 1, x1 - lo, x2 + hi + 1)
    band(y1 - lo, y2 + hi + 1, x1 - lo, x1 + hi + 1)
    band(y1 - lo, y2 + hi + 1, x2 - lo, x2 + hi + 1)


def _text(image, text, x, y):
    """Writes white text at (x, y) with Pillow."""
    from PIL import Image, ImageDraw  # pylint: disable=import-outside-toplevel
    canvas = Image.fromarray(image)
    ImageDraw.Draw(canvas).text((x, y), text, fill=(255, 255, 255))
    image[...] = np.asarray(canvas)


def _show(image, window_name, wait_key):
    """Shows the image with OpenCV, when it is installed."""
    try:
        import cv2  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        warnings.warn("Unable to import cv2, skip showing %s: %s" % (window_name, exc))
        return
    cv2.imshow(window_name, image)
    cv2.waitKey(wait_key)
