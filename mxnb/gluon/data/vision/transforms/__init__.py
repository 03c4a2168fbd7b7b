"""`gluon.data.vision.transforms`: image transforms as Blocks (MXNet 1.9.1's, plus MXNet 2's
HybridCompose and RandomCrop). Images are (H, W, C) until ToTensor makes them (C, H, W)."""
from .basic import Compose, Cast, ToTensor, Normalize
from .compose import HybridCompose, RandomApply
from .geometry import (Resize, CenterCrop, CropResize, RandomResizedCrop, RandomCrop,
                       RandomFlipLeftRight, RandomFlipTopBottom, Rotate, RandomRotation)
from .color import (RandomBrightness, RandomContrast, RandomSaturation, RandomHue,
                    RandomColorJitter, RandomLighting)

__all__ = ["Compose", "HybridCompose", "Cast", "ToTensor", "Normalize", "RandomApply", "Resize",
           "CenterCrop", "CropResize", "RandomResizedCrop", "RandomCrop", "RandomFlipLeftRight",
           "RandomFlipTopBottom", "Rotate", "RandomRotation", "RandomBrightness",
           "RandomContrast", "RandomSaturation", "RandomHue", "RandomColorJitter",
           "RandomLighting"]
