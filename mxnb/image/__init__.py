"""`mx.image` (also `mx.img`): image decoding, resizing, cropping, augmenters and ImageIter.

Images are (H, W, C) NDArrays, uint8 as decoded; decoding uses Pillow, imported on first use.
"""
from .image import (imread, imdecode, imresize, scale_down, copyMakeBorder, resize_short,
                    fixed_crop, random_crop, center_crop, color_normalize, random_size_crop)
from .augmenters import (Augmenter, SequentialAug, ResizeAug, ForceResizeAug, RandomCropAug,
                         RandomSizedCropAug, CenterCropAug, RandomOrderAug, BrightnessJitterAug,
                         ContrastJitterAug, SaturationJitterAug, HueJitterAug, ColorJitterAug,
                         LightingAug, ColorNormalizeAug, RandomGrayAug, HorizontalFlipAug,
                         CastAug, CreateAugmenter)
from .image_iter import ImageIter
from .rotate import imrotate, random_rotate
from . import detection
from . import detection as det
from .detection import (DetAugmenter, DetBorrowAug, DetRandomSelectAug, DetHorizontalFlipAug,
                        DetRandomCropAug, DetRandomPadAug, CreateMultiRandCropAugmenter,
                        CreateDetAugmenter, ImageDetIter)

__all__ = ["imread", "imdecode", "imresize", "scale_down", "copyMakeBorder", "resize_short",
           "fixed_crop", "random_crop", "center_crop", "color_normalize", "random_size_crop",
           "Augmenter", "SequentialAug", "ResizeAug", "ForceResizeAug", "RandomCropAug",
           "RandomSizedCropAug", "CenterCropAug", "RandomOrderAug", "BrightnessJitterAug",
           "ContrastJitterAug", "SaturationJitterAug", "HueJitterAug", "ColorJitterAug",
           "LightingAug", "ColorNormalizeAug", "RandomGrayAug", "HorizontalFlipAug", "CastAug",
           "CreateAugmenter", "ImageIter", "imrotate", "random_rotate",
           "DetAugmenter", "DetBorrowAug", "DetRandomSelectAug", "DetHorizontalFlipAug",
           "DetRandomCropAug", "DetRandomPadAug", "CreateMultiRandCropAugmenter",
           "CreateDetAugmenter", "ImageDetIter"]
