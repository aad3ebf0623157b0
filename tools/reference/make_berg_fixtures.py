"""Write small encoding-model fixtures in BERG's exact on-disk format under
test/fixtures/berg/<case>/ . Run: /usr/bin/python3 tools/reference/make_berg_fixtures.py

The files are np.save(path, dict) exactly as BERG writes them (numpy 1.24:
a 0-d object array pickled with protocol 3). Feature dimension is the real
205,672; only the number of PCA components is small. Values are made up but
plausible, and rounded so that zlib packs them (the repository stays small):
  - scaler mean_/scale_ come from the real untrained AlexNet on 20 synthetic
    images, pooled over image columns for conv taps, 4 significant bits;
  - PCA components are sparse (1%) multiples of 1/64, not orthonormal;
  - regression coefficients map each component onto an ERP-like
    space-time pattern, different per repetition and subject.
"""

import os
import shutil
import sys

import numpy as np
import torch
from sklearn.decomposition import PCA

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import images as I  # noqa: E402

FIXTURES = os.path.join(C.REPO, 'test', 'fixtures', 'berg')
N_TRAIN = 16540
N_TEST = 200
N_STAT_IMAGES = 20

CASES = {
    # case: (layout, K, subjects, reg dtype)
    'layout-a': ('a', 4, [1], np.float64),
    'layout-b': ('b', 3, [1, 2], np.float32),
    'layout-c': ('c', 2, [1], np.float32),
}


# ---------------------------------------------------------------- features

def stat_features():
    """float32 [N_STAT_IMAGES, 205672] taps of varied synthetic images."""
    model = C.build_model()
    ext = C.build_extractor(model)
    x = torch.from_numpy(I.stat_images(N_STAT_IMAGES))
    with torch.no_grad():
        return C.taps_from_normalized(ext, C.preprocess(x))


def make_scaler(feats):
    """StandardScaler-shaped params. Conv taps are pooled over columns (one
    value per channel and row) so the arrays compress; fc taps stay per unit.
    Units never active in the sample get sklearn's zero-variance treatment."""
    mean = np.empty(C.N_FEATURES)
    std = np.empty(C.N_FEATURES)
    f64 = feats.astype(np.float64)
    for node, shape, off, size in C.tap_layout():
        block = f64[:, off:off + size]
        if len(shape) == 3:
            c, h, w = shape
            b = block.reshape(-1, c, h, w)
            m = b.mean(axis=(0, 3))
            s = b.std(axis=(0, 3))
            mean[off:off + size] = np.repeat(m[:, :, None], w, axis=2).reshape(-1)
            std[off:off + size] = np.repeat(s[:, :, None], w, axis=2).reshape(-1)
        else:
            mean[off:off + size] = block.mean(axis=0)
            std[off:off + size] = block.std(axis=0)
        # 20 images underestimate the spread of rarely active units; a floor
        # at a quarter of the tap's median keeps z-scores of new images sane.
        sd = std[off:off + size]
        live = sd > 0
        if live.any():
            sd[live] = np.maximum(sd[live], 0.25 * np.median(sd[live]))
    mean = C.quantize_sig(mean, 4)
    scale = C.quantize_sig(std, 4)
    dead = scale <= 0
    var = scale * scale  # exact: 4-bit mantissas square without rounding
    scale[dead] = 1.0     # sklearn's rule for zero-variance features
    var[dead] = 0.0
    return {
        'scale_': scale,
        'mean_': mean,
        'var_': var,
        'n_features_in_': C.N_FEATURES,
        'n_samples_seen_': np.int64(N_TRAIN),
    }


def standardize(feats, scaler):
    return (feats.astype(np.float64) - scaler['mean_']) / scaler['scale_']


# ---------------------------------------------------------------- PCA

def sparse_components(rng, k, n=C.N_FEATURES, density=0.01):
    comp = np.zeros((k, n), np.float32)
    mask = rng.random((k, n)) < density
    vals = rng.integers(1, 65, mask.sum()) * rng.choice([-1, 1], mask.sum())
    comp[mask] = vals / 64.0
    return comp


def make_pca(rng, k, z, density=0.01):
    """PCA attributes as sklearn 1.2 would store them after fitting float32 data."""
    comp = sparse_components(rng, k, density=density)
    mean = np.zeros(C.N_FEATURES, np.float32)
    mask = rng.random(C.N_FEATURES) < density
    mean[mask] = rng.integers(-16, 17, mask.sum()) / 16.0
    scores = (z - mean) @ comp.T.astype(np.float64)
    ev = scores.var(axis=0, ddof=1)
    order = np.argsort(-ev)  # PCA lists components by decreasing variance
    comp, ev = comp[order], ev[order]
    total = float(z.var(axis=0, ddof=1).sum()) + float(ev.sum())
    return {
        'components_': comp,
        'explained_variance_': ev.astype(np.float32),
        'explained_variance_ratio_': (ev / total).astype(np.float32),
        'singular_values_': np.sqrt(ev * (N_TRAIN - 1)).astype(np.float32),
        'mean_': mean,
        'n_components_': k,
        'noise_variance_': np.float32((total - ev.sum()) / (C.N_FEATURES - k)),
        'n_features_in_': C.N_FEATURES,
        'n_samples_': N_TRAIN,
    }


def pca_object(state):
    """A real sklearn PCA carrying `state`, as if fitted (not fitted: too big)."""
    p = PCA(n_components=state['n_components_'], random_state=20200220)
    for key, val in state.items():
        setattr(p, key, val)
    p._fit_svd_solver = 'randomized'
    return p


# ---------------------------------------------------------------- regression

def _positions():
    import json
    with open(C.CHANNELS_JSON) as f:
        return np.array([c['topo2d_m'] for c in json.load(f)['channels']]) / 0.095


TIMES = (np.arange(C.N_TIMES) - 20) / 200.0  # -0.100 .. 0.595 s, 200 Hz


def _bump(t, mu, sd):
    return np.exp(-0.5 * ((t - mu) / sd) ** 2)


def _spatial(pos, cx, cy, width):
    return np.exp(-((pos[:, 0] - cx) ** 2 + (pos[:, 1] - cy) ** 2) / (2 * width ** 2))


# (spatial centre x, y, width; latencies and signs of two temporal bumps)
_COMPONENT_SHAPES = [
    ((0.0, -0.65, 0.35), [(0.10, 0.02, 1.0), (0.17, 0.03, -0.8)]),    # occipital P1/N1
    ((-0.55, -0.4, 0.3), [(0.15, 0.025, -1.0), (0.25, 0.05, 0.5)]),   # left occipito-temporal
    ((0.55, -0.4, 0.3), [(0.16, 0.025, -1.0), (0.30, 0.06, 0.4)]),    # right occipito-temporal
    ((0.0, 0.1, 0.5), [(0.30, 0.08, 0.8), (0.45, 0.08, -0.3)]),       # central, late
]


def erp_pattern(pos, idx, latency_shift=0.0, spread=1.0):
    (cx, cy, w), bumps = _COMPONENT_SHAPES[idx % len(_COMPONENT_SHAPES)]
    space = _spatial(pos, cx, cy, w * spread)
    space = space - 0.3 * space.mean()  # a little reference-like negativity elsewhere
    time = sum(a * _bump(TIMES, mu + latency_shift, sd) for mu, sd, a in bumps)
    return np.outer(space, time)  # [63, 140]


def make_reg(rng, k, score_sd, dtype, subject, bits=7, noise=0.02, zero_below=0.0):
    """{'rep-1'..'rep-4'}: coef_ [8820, K], intercept_ [8820], n_features_in_.
    zero_below (fraction of the largest |coef|) zeroes the flat tails so that
    throwaway fixtures compress to almost nothing."""
    pos = _positions()
    reg = {}
    for r in range(C.N_REPS):
        gain = 1.0 + 0.15 * (r - 1.5) + 0.1 * (subject - 1)
        coef = np.empty((C.N_CHANNELS * C.N_TIMES, k))
        for j in range(k):
            pat = erp_pattern(pos, j + subject - 1, latency_shift=0.004 * r, spread=1 + 0.05 * r)
            pat = pat + noise * rng.standard_normal(pat.shape)
            coef[:, j] = gain * pat.reshape(-1) / score_sd[j]
        grand = 1.5 * erp_pattern(pos, 0, latency_shift=0.002 * r) + \
            0.6 * erp_pattern(pos, 3, latency_shift=0.003 * r)
        intercept = grand.reshape(-1) + noise * rng.standard_normal(grand.size)
        if zero_below > 0:
            coef[np.abs(coef) < zero_below * np.abs(coef).max()] = 0
            intercept[np.abs(intercept) < zero_below * np.abs(intercept).max()] = 0
        reg[f'rep-{r + 1}'] = {
            'coef_': C.quantize_sig(coef, bits).astype(dtype),
            'intercept_': C.quantize_sig(intercept, bits).astype(dtype),
            'n_features_in_': k,
        }
    return reg


# ---------------------------------------------------------------- metadata

_SYL = ['ba', 'ca', 'de', 'fi', 'go', 'ha', 'ki', 'lo', 'ma', 'ne', 'pi', 'ra', 'su', 'ta',
        'vo', 'wi', 'ze', 'an', 'el', 'or']


def concept_words(n):
    """n distinct, sorted, word-like THINGS-style concept names."""
    rng = np.random.default_rng(7)
    words = set()
    while len(words) < n:
        parts = [''.join(rng.choice(_SYL, rng.integers(2, 4)))
                 for _ in range(1 if rng.random() < 0.85 else 2)]
        words.add('_'.join(parts))
    words = sorted(words)
    words[0] = 'aardvark'
    return words


def img_info():
    words = concept_words(1654 + N_TEST)  # THINGS has 1854 concepts
    things_idx = {w: i + 1 for i, w in enumerate(words)}
    rng = np.random.default_rng(11)
    test_words = sorted(rng.choice(words[1:], N_TEST, replace=False).tolist())
    train_words = [w for w in words if w not in set(test_words)]
    assert len(train_words) == 1654
    train_c, train_t, train_f = [], [], []
    for ci, w in enumerate(train_words):
        # one str object per concept, repeated: pickle then writes memo
        # references (BINGET/LONG_BINGET) for the repeats, which readers must follow
        concept, things = f'{ci + 1:05d}_{w}', f'{things_idx[w]:05d}_{w}'
        for j in range(10):
            train_c.append(concept)
            train_t.append(things)
            train_f.append(f'{w}_{j + 1:02d}{"bs"[j % 2]}.jpg')
    test_c = [f'{ci + 1:05d}_{w}' for ci, w in enumerate(test_words)]
    test_t = [f'{things_idx[w]:05d}_{w}' for w in test_words]
    test_f = [f'{w}_{rng.integers(1, 13):02d}s.jpg' for w in test_words]
    return ({'train_img_concepts': train_c, 'train_img_concepts_THINGS': train_t,
             'train_img_files': train_f},
            {'test_img_concepts': test_c, 'test_img_concepts_THINGS': test_t,
             'test_img_files': test_f})


def make_metadata(subject):
    rng = np.random.default_rng(300 + subject)
    pos = _positions()
    occ = _spatial(pos, 0.0, -0.6, 0.45)
    temporal = _bump(TIMES, 0.13 + 0.01 * subject, 0.05) + 0.5 * _bump(TIMES, 0.3, 0.1)
    temporal = temporal / (1 + np.exp(-(TIMES - 0.06) / 0.01))  # nothing before ~50 ms
    nc = 65.0 * np.outer(0.15 + 0.85 * occ, temporal) + 3.0 * rng.random((C.N_CHANNELS, C.N_TIMES))
    nc = np.clip(np.round(nc * 64) / 64, 0, 99)
    frac = nc / 100.0
    ncsnr = np.sqrt(frac / (80.0 * (1.0 - frac)))  # 80 test repetitions
    avg = 0.9 * np.sqrt(frac) + 0.03 * rng.standard_normal(nc.shape)
    single = np.stack([0.6 * avg + 0.03 * rng.standard_normal(nc.shape) for _ in range(C.N_REPS)])
    train_info, test_info = img_info()
    return {
        'eeg': {
            'ch_names': C.channel_names(),
            'times': TIMES.copy(),
            'ncsnr': C.quantize_sig(ncsnr, 8).astype(np.float32),
            'noise_ceiling': nc.astype(np.float32),
            },
        'encoding_models': {
            'correlation_averaged_repetitions': np.clip(C.quantize_sig(avg, 8), -1, 1),
            'correlation_single_repetitions': np.clip(C.quantize_sig(single, 8), -1, 1),
        },
        'train_img_info': train_info,
        'test_img_info': test_info,
    }


# ---------------------------------------------------------------- writing

def save_berg(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, obj)  # dict -> 0-d object array, pickle protocol 3: BERG's format


def build_shared():
    """Scaler plus standardized stat features; both reused by every case."""
    feats = stat_features()
    scaler = make_scaler(feats)
    return scaler, standardize(feats, scaler)


def build_case(name, scaler, z):
    layout, k, subjects, reg_dtype = CASES[name]
    rng = np.random.default_rng({'a': 1, 'b': 2, 'c': 3}[layout])
    if layout == 'a':
        states = [make_pca(rng, k, z)]
    else:
        states = [make_pca(rng, k, z) for _ in range(C.N_REPS)]
    sd = np.sqrt(np.stack([s['explained_variance_'] for s in states]).mean(axis=0))
    if layout == 'a':
        pca_param = states[0]
    elif layout == 'b':
        pca_param = {f'rep-{r + 1}': states[r] for r in range(C.N_REPS)}
    else:
        pca_param = {f'rep-{r + 1}': pca_object(states[r]) for r in range(C.N_REPS)}
    out = {}
    for subj in subjects:
        reg = make_reg(np.random.default_rng(100 * subj + ord(layout)), k, sd, reg_dtype, subj)
        out[subj] = {'scaler_param': scaler, 'pca_param': pca_param, 'reg_param': reg}
    return out


def main():
    scaler, z = build_shared()
    if os.path.isdir(FIXTURES):
        shutil.rmtree(FIXTURES)
    metas = {}
    for name in CASES:
        root = os.path.join(FIXTURES, name)
        for subj, weights in build_case(name, scaler, z).items():
            wpath, mpath = C.berg_paths(root, subj)
            save_berg(wpath, weights)
            if subj not in metas:
                metas[subj] = make_metadata(subj)
            save_berg(mpath, metas[subj])
            # round trip through numpy to be sure the reference reads them back
            back = C.load_berg(wpath)
            assert len(C.pca_per_rep(back['pca_param'])) == C.N_REPS
            print(name, subj, os.path.getsize(wpath), os.path.getsize(mpath))


if __name__ == '__main__':
    main()
