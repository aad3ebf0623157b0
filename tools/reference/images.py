"""Deterministic synthetic test images (uint8, [3, S, S]).

Mostly smooth or piecewise-flat content so the saved .npy files compress well,
with just enough sharp edges and noise to exercise resampling and the network.
"""

import numpy as np


def _grid(s):
    c = (np.arange(s, dtype=np.float64) + 0.5) / s
    return np.meshgrid(c, c, indexing='ij')  # (yy, xx) in (0, 1)


def _clip8(a):
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def preprocess_image(s, seed=0):
    """Gradient + checkerboard + rectangles + diagonal line + small noise patch.

    Edges sit at pixel positions that are not aligned with the resampling
    grid, so antialiasing and rounding both matter."""
    rng = np.random.default_rng(1000 + s + seed)
    yy, xx = _grid(s)
    img = np.empty((3, s, s), np.float64)
    img[0] = 255 * xx
    img[1] = 255 * yy
    img[2] = 128 + 100 * np.sin(2 * np.pi * (xx + 0.5 * yy))
    # checkerboard, upper left
    cell = max(2, s // 19)
    iy, ix = np.indices((s, s))
    board = ((iy // cell + ix // cell) % 2).astype(bool)
    region = (yy < 0.4) & (xx < 0.4)
    img[:, region & board] = 250
    img[:, region & ~board] = 5
    # two flat rectangles, one overlapping the crop border at 256-scale
    img[:, (yy > 0.55) & (yy < 0.8) & (xx > 0.1) & (xx < 0.35)] = np.array([[200], [30], [60]])
    img[:, (yy > 0.03) & (yy < 0.2) & (xx > 0.6) & (xx < 0.97)] = np.array([[20], [180], [220]])
    # diagonal line about 2 px wide
    line = np.abs(iy - ix * 0.8 - 0.15 * s) < max(1.0, s / 256)
    img[:, line] = np.array([255, 255, 0])[:, None]
    # noise patch, 1/8 of the side, lower right
    p = max(4, s // 8)
    y0 = x0 = int(s * 0.7)
    img[:, y0:y0 + p, x0:x0 + p] = rng.integers(0, 256, (3, p, p))
    return _clip8(img)


def scene_image(s, seed):
    """A photo-like scene: sky gradient, sun, hills, a house with soft shading.
    Different seeds move and recolour things."""
    rng = np.random.default_rng(seed)
    yy, xx = _grid(s)
    horizon = 0.55 + 0.1 * rng.uniform(-1, 1)
    sky = np.stack([80 + 100 * yy, 140 + 80 * yy, 230 - 20 * yy])
    ground_col = rng.uniform(40, 160, 3)
    ground = np.stack([ground_col[i] * (0.6 + 0.5 * yy) for i in range(3)])
    hill = horizon + 0.08 * np.sin(2 * np.pi * (xx * rng.uniform(0.7, 1.6) + rng.uniform()))
    img = np.where(yy[None] < hill[None], sky, ground)
    cy, cx, r = rng.uniform(0.1, 0.3), rng.uniform(0.15, 0.85), rng.uniform(0.05, 0.12)
    sun = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    img[:, sun] = np.array([255, 230, 120])[:, None]
    hx, hw, hh = rng.uniform(0.15, 0.6), rng.uniform(0.2, 0.3), rng.uniform(0.15, 0.25)
    base = horizon + 0.1
    wall = (xx > hx) & (xx < hx + hw) & (yy > base - hh) & (yy < base)
    img[:, wall] = rng.uniform(60, 230, 3)[:, None] * (0.8 + 0.2 * xx[wall])
    roof = (yy < base - hh) & (yy > base - hh - 0.12) & \
        (np.abs(xx - (hx + hw / 2)) < (yy - (base - hh - 0.12)) * (hw / 2) / 0.12)
    img[:, roof] = np.array([150, 40, 30])[:, None]
    win = (xx > hx + hw * 0.2) & (xx < hx + hw * 0.45) & (yy > base - hh * 0.7) & (yy < base - hh * 0.35)
    img[:, win] = np.array([30, 30, 60])[:, None]
    return _clip8(img)


def noisy_image(s, seed):
    """Noise-heavy: coarse 2x2 block noise plus small fine noise over a soft gradient."""
    rng = np.random.default_rng(seed)
    yy, xx = _grid(s)
    h = (s + 1) // 2
    coarse = 4 * rng.integers(0, 64, (3, h, h)).repeat(2, 1).repeat(2, 2)[:, :s, :s]
    base = np.stack([120 * xx, 120 * yy, 60 + 0 * xx])
    img = 0.55 * coarse + base + rng.integers(-3, 4, (3, s, s))
    return _clip8(img)


def stat_images(n, s=256):
    """n varied images (scenes, noise, gradients) for feature statistics."""
    out = []
    for i in range(n):
        if i % 3 == 2:
            out.append(noisy_image(s, 500 + i))
        elif i % 3 == 1:
            out.append(preprocess_image(s, seed=i))
        else:
            out.append(scene_image(s, 500 + i))
    return np.stack(out)
