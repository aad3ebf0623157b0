#!/usr/bin/python3
"""MNE 1.3's default topomap interpolation, as data the TypeScript viewer can use and be tested on.

MNE draws EEG topomaps with scipy's Clough-Tocher interpolator over a Delaunay triangulation of the
sensors plus extra points on a circle outside the head (extrapolate='head'), whose values are the
mean of their sensor neighbours (border='mean'). All of that is linear in the data, so the image
is M @ v for one matrix M per montage. This script builds M with MNE's own classes (interpolating
the 63 unit vectors) and, independently, records what MNE's public plot_topomap draws for a few
data vectors (its image array, colour limits and contour levels).

Writes
  src/viz/assets/topomap_mne_63.json   grid axis, grid indices and M (float32, base64), for the app
  test/golden/topomap/mne_plot_topomap.json   plot_topomap's images for the test vectors
With --values IN.json OUT.json: plot_topomap's image for one vector (used by the browser test).

Run with /usr/bin/python3 (Debian's python3-mne 1.3, scipy, matplotlib).
"""
import base64
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import mne  # noqa: E402
from mne.viz.topomap import _GridData, _get_pos_outlines, _set_contour_locator  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MONTAGE = os.path.join(ROOT, "src", "data", "channels_10-05_63.json")
ASSET = os.path.join(ROOT, "src", "viz", "assets", "topomap_mne_63.json")
GOLDEN = os.path.join(ROOT, "test", "golden", "topomap", "mne_plot_topomap.json")
# plot_topomap's default grid; the app's grid is this one plus two cells on every side.
MNE_RES = 64
MARGIN = 2


def make_info():
    names = [c["name"] for c in json.load(open(MONTAGE))["channels"]]
    info = mne.create_info(names, sfreq=200.0, ch_types="eeg")
    info.set_montage("standard_1005")
    return names, info


def mne_plot(data, info):
    """What mne.viz.plot_topomap draws for one vector, with every default."""
    fig, ax = plt.subplots(figsize=(3, 3))
    im, cn = mne.viz.plot_topomap(np.asarray(data, float), info, axes=ax, show=False)
    out = {
        "image": np.asarray(im.get_array().filled(np.nan) if np.ma.isMaskedArray(im.get_array()) else im.get_array(), float),
        "extent": [float(v) for v in im.get_extent()],
        "vlim": [float(im.norm.vmin), float(im.norm.vmax)],
        "cmap": im.get_cmap().name,
        "levels": [float(v) for v in (cn.levels if cn is not None else [])],
    }
    # evoked.plot_topomap and plot_joint (the figures MNE users publish) set the levels from the
    # colour limits instead: MaxNLocator(nbins=contours + 1).tick_values(vmin, vmax).
    out["evoked_levels"] = [float(v) for v in _set_contour_locator(out["vlim"][0], out["vlim"][1], 6)[1]]
    plt.close(fig)
    return out


def f32b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def build_matrix(names, info):
    picks = list(range(len(names)))
    pos, outlines = _get_pos_outlines(info, picks, sphere=np.array([0.0, 0.0, 0.0, 0.095]))
    clip = float(outlines["clip_radius"][0])
    cell = 2 * clip / (MNE_RES - 1)
    res = MNE_RES + 2 * MARGIN
    axis = -clip - MARGIN * cell + cell * np.arange(res)
    # Grid points the image can reach: within 1.5 cells of the clip circle (the renderer blends there).
    X, Y = np.meshgrid(axis, axis)
    inside = np.flatnonzero(np.hypot(X, Y).ravel() <= clip + 1.5 * cell)
    interp = _GridData(pos, "cubic", "head", (0.0, 0.0), outlines["clip_radius"], "mean")
    xq, yq = X.ravel()[inside], Y.ravel()[inside]
    M = np.empty((inside.size, len(names)))
    for j in range(len(names)):
        e = np.zeros(len(names))
        e[j] = 1.0
        M[:, j] = interp.set_values(e)(xq, yq)
    assert np.isfinite(M).all(), "grid point outside MNE's triangulation"
    return pos, clip, axis, inside, M


def test_vectors(pos):
    rng = np.random.default_rng(20240601)
    x, y = pos[:, 0] / 0.095, pos[:, 1] / 0.095
    return {
        # an occipital positivity with a frontal negativity, like a P1
        "dipolar": 3.0 * np.exp(-((x) ** 2 + (y + 0.8) ** 2) / 0.15) - 1.2 * np.exp(-((x) ** 2 + (y - 0.5) ** 2) / 0.3),
        "random": rng.standard_normal(len(pos)),
        "lateral": np.tanh(3 * x) + 0.3 * y,
        # all values >= 0: MNE switches to 'Reds' on [0, max]
        "positive": 1.0 + np.cos(2 * x) * np.sin(2 * y + 0.5) + 0.2 * rng.random(len(pos)),
    }


def main():
    names, info = make_info()
    if len(sys.argv) == 4 and sys.argv[1] == "--values":
        v = np.asarray(json.load(open(sys.argv[2])), float)
        g = mne_plot(v, info)
        g["image"] = [float(x) if np.isfinite(x) else None for x in g["image"].ravel()]
        json.dump(g, open(sys.argv[3], "w"))
        return
    pos, clip, axis, inside, M = build_matrix(names, info)
    ours = np.array([c["topo2d_m"] for c in json.load(open(MONTAGE))["channels"]])
    pos_err = float(np.abs(pos - ours).max())
    assert pos_err < 2e-6, pos_err
    os.makedirs(os.path.dirname(ASSET), exist_ok=True)
    asset = {
        "source": (
            f"MNE-Python {mne.__version__} (Debian python3-mne), scipy {__import__('scipy').__version__}: "
            "mne.viz.topomap._GridData(pos, 'cubic', extrapolate='head', border='mean') evaluated for each of the "
            "63 unit vectors at the grid points below; pos from _get_pos_outlines for the standard_1005 montage, "
            "sphere (0, 0, 0, 0.095) m. Written by tools/reference/make_topomap_goldens.py."
        ),
        "method": "mne-ct",
        "ch_names": names,
        "res": int(axis.size),
        "margin_cells": MARGIN,
        "mne_res": MNE_RES,
        "clip_radius": clip,
        "axis0": float(axis[0]),
        "cell": float(axis[1] - axis[0]),
        "inside": inside.astype(int).tolist(),
        "matrix_f32_b64": f32b64(M),
        "max_position_difference_m": pos_err,
    }
    json.dump(asset, open(ASSET, "w"), separators=(",", ":"))
    goldens = {"mne_version": mne.__version__, "res": MNE_RES, "cases": {}}
    worst = 0.0
    for name, v in test_vectors(pos).items():
        g = mne_plot(v, info)
        img = g["image"]
        # the same vector through the matrix, on plot_topomap's grid (our grid less its margin)
        full = np.full(axis.size ** 2, np.nan)
        full[inside] = M @ v
        sub = full.reshape(axis.size, axis.size)[MARGIN:-MARGIN, MARGIN:-MARGIN]
        ok = np.isfinite(img) & np.isfinite(sub)
        worst = max(worst, float(np.abs(sub[ok] - img[ok]).max() / np.abs(img[ok]).max()))
        goldens["cases"][name] = {"values": v.tolist(), **{k: val for k, val in g.items() if k != "image"}, "image_f64_b64": base64.b64encode(img.astype("<f8").tobytes()).decode()}
    goldens["matrix_vs_plot_topomap_rel_max"] = worst
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    json.dump(goldens, open(GOLDEN, "w"), separators=(",", ":"))
    print(json.dumps({"grid_points": int(inside.size), "clip_radius": clip, "pos_err_m": pos_err, "matrix_vs_plot_topomap_rel_max": worst}))


if __name__ == "__main__":
    main()
