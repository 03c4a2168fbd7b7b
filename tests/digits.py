"""Small synthetic digit-like data for the training tests: 8x8 glyphs of ten classes, jittered
and noised, so that a small MLP must learn (no files, no network)."""
import numpy as np


def make_digits(n, seed=0, noise=0.35):
    """(X, y): n float32 images of shape (n, 64) in [0, 1] and float32 labels 0..9."""
    rng = np.random.RandomState(seed)
    glyph_rng = np.random.RandomState(1234)        # the same ten glyphs for every split
    glyphs = (glyph_rng.rand(10, 8, 8) > 0.6).astype(np.float32)
    y = rng.randint(0, 10, n)
    images = glyphs[y]
    shifts = rng.randint(-1, 2, size=(n, 2))
    images = np.stack([np.roll(np.roll(img, dy, axis=0), dx, axis=1)
                       for img, (dy, dx) in zip(images, shifts)])
    images = images + noise * rng.randn(*images.shape).astype(np.float32)
    return np.clip(images, 0, 1).reshape(n, 64).astype(np.float32), y.astype(np.float32)
