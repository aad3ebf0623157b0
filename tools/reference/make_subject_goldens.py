#!/usr/bin/python3
"""Goldens for src/analysis/subjects.ts: subject means and between-subject spreads.

A seeded in-silico array x [S, B, 4, C, T] (S subjects' responses to the same B images) and
numpy/scipy's answers: the element-wise subject mean, each subject's mean over repetitions,
images and channels (the subject-level value), and its mean, SD (ddof 1), SEM and t-based 95% CI
across subjects; the same per channel for a scalp map over a set of times, and for the
per-subject difference of two image sets, and a tuning curve per subject (each subject's mean
amplitude of each image over channels and times, averaged over the images at each parameter
value) with its spread across subjects. Writes test/golden/subjects/subjects.json.
Run with Debian's /usr/bin/python3.
"""
import json
import os

import numpy as np
import scipy.stats as sst

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'golden', 'subjects')
os.makedirs(OUT, exist_ok=True)

S, B, R, C, T = 3, 5, 4, 6, 7
rng = np.random.RandomState(7)
# a shared "ERP" plus subject offsets and image noise, float32 as the encoder writes it
base = rng.normal(size=(1, 1, 1, C, T))
x = (base + 0.5 * rng.normal(size=(S, 1, 1, C, T)) + 0.3 * rng.normal(size=(S, B, R, C, T))).astype(np.float32)

images = [0, 2, 3, 4]
ch = [1, 4, 5]
times = [2, 3, 5]
imagesA, imagesB = [0, 1], [3, 4]


def spread(v):
    # v: [S, N] subject-level values
    n = v.shape[0]
    mean = v.mean(axis=0)
    sd = v.std(axis=0, ddof=1)
    sem = sst.sem(v, axis=0)
    lo, hi = sst.t.interval(0.95, n - 1, loc=mean, scale=sem)
    return {k: [float(a) for a in arr] for k, arr in dict(mean=mean, sd=sd, sem=sem, ci95Lo=lo, ci95Hi=hi).items()}


xd = x.astype(np.float64)
series = xd[:, images][:, :, :, ch].mean(axis=(1, 2, 3))          # [S, T]
maps = xd[:, images][..., times].mean(axis=(1, 2, 4))              # [S, C]
diff = xd[:, imagesA][:, :, :, ch].mean(axis=(1, 2, 3)) - xd[:, imagesB][:, :, :, ch].mean(axis=(1, 2, 3))

# a sweep over the B images: image b has parameter value tune_values[b]; each subject's score of an
# image is its mean amplitude over repetitions, the channels ch and the times
tune_values = [2.0, 1.0, 2.0, 1.0, 3.0]
tune_scores = xd[:, :, :, ch][..., times].mean(axis=(2, 3, 4))    # [S, B]
levels = np.unique(tune_values)
tune_curves = np.stack([tune_scores[:, np.array(tune_values) == v].mean(axis=1) for v in levels], axis=1)  # [S, V]

golden = {
    'source': 'tools/reference/make_subject_goldens.py (numpy %s, scipy.stats)' % np.__version__,
    'dims': {'S': S, 'B': B, 'R': R, 'C': C, 'T': T},
    'x': [float(v) for v in x.ravel()],
    'images': images, 'ch': ch, 'times': times, 'imagesA': imagesA, 'imagesB': imagesB,
    'mean': [float(v) for v in x.mean(axis=0, dtype=np.float64).astype(np.float32).ravel()],
    'series': [float(v) for v in series.ravel()],
    'maps': [float(v) for v in maps.ravel()],
    'series_spread': spread(series),
    'map_spread': spread(maps),
    'diff_spread': spread(diff),
    'tune_values': tune_values,
    'tune_scores': [float(v) for v in tune_scores.ravel()],
    'tune_levels': [float(v) for v in levels],
    'tune_curves': [float(v) for v in tune_curves.ravel()],
    'tune_spread': spread(tune_curves),
}
with open(os.path.join(OUT, 'subjects.json'), 'w') as f:
    json.dump(golden, f)
print('wrote test/golden/subjects/subjects.json')
