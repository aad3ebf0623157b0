"""Run the full Python pipeline on test/golden/taps/input.npy with every BERG
fixture and write test/golden/responses/. Run after make_goldens.py and
make_berg_fixtures.py: /usr/bin/python3 tools/reference/make_fixture_responses.py"""

import glob
import json
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

GOLDEN = os.path.join(C.REPO, 'test', 'golden')
FIXTURES = os.path.join(C.REPO, 'test', 'fixtures', 'berg')
OUT = os.path.join(GOLDEN, 'responses')

# Out of ch_names order and with a duplicate on purpose: BERG answers in the order requested.
SEL_CHANNELS = ['Oz', 'Cz', 'Fp1', 'PO8', 'O1', 'Oz', 'Pz']


def selection_mask():
    """0..200 ms plus every 10th sample from 300 ms on: irregular on purpose."""
    times = (np.arange(C.N_TIMES) - 20) / 200.0
    keep = ((times >= 0) & (times <= 0.2)) | ((times >= 0.3) & (np.arange(C.N_TIMES) % 10 == 0))
    return ''.join('1' if k else '0' for k in keep)


def pca_scores(feats, weights):
    """float32 [B, 4, K]: the PCA projections the regression sees (for debugging parity)."""
    sc = weights['scaler_param']
    z = (feats.astype(np.float64) - sc['mean_']) / sc['scale_']
    out = []
    for p in C.pca_per_rep(weights['pca_param']):
        out.append((z - np.asarray(p['mean_'], np.float64)) @ np.asarray(p['components_'], np.float64).T)
    return np.stack(out, axis=1).astype(np.float32)


def sklearn_encode(feats, weights):
    """The same pipeline through sklearn objects, as BERG's own code runs it."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler()
    for key, val in weights['scaler_param'].items():
        setattr(scaler, key, val)
    z = scaler.transform(feats.astype(np.float64))
    out = []
    for r, p in enumerate(C.pca_per_rep(weights['pca_param'])):
        pca = PCA(n_components=p['components_'].shape[0])
        pca.components_, pca.mean_ = p['components_'], p['mean_']
        pca.n_features_in_, pca.whiten = C.N_FEATURES, False
        reg = LinearRegression()
        for key, val in weights['reg_param'][f'rep-{r + 1}'].items():
            setattr(reg, key, val)
        out.append(reg.predict(pca.transform(z)).reshape(-1, C.N_CHANNELS, C.N_TIMES))
    return np.stack(out, axis=1)


def main():
    torch.set_grad_enabled(False)
    imgs = np.load(os.path.join(GOLDEN, 'taps', 'input.npy'))
    ext = C.build_extractor(C.build_model())
    feats = C.taps_from_normalized(ext, C.preprocess(torch.from_numpy(imgs)))
    saved = np.load(os.path.join(GOLDEN, 'taps', 'taps.npy'))
    # Another CPU's BLAS kernels may move the last float32 bits of the convolutions; anything
    # more means the taps golden is stale. The responses are computed from the committed taps.
    assert np.abs(feats - saved).max() <= 1e-6 * np.abs(saved).max(), 'taps golden is stale: rerun make_goldens.py'
    feats = saved

    os.makedirs(OUT, exist_ok=True)
    for f in glob.glob(os.path.join(OUT, '*.npy')):
        os.remove(f)
    mask = selection_mask()
    ch_names = None
    summary = []
    for case in sorted(os.listdir(FIXTURES)):
        wdir = os.path.join(FIXTURES, case, C.MODEL_SUBDIR, 'encoding_models_weights')
        # the fixtures as make_berg_fixtures.py writes them, or compressed (compress_fixtures.py)
        for wpath in sorted(glob.glob(os.path.join(wdir, 'weights_subject-*.npy')) + glob.glob(os.path.join(wdir, 'weights_subject-*.npy.gz'))):
            subj = int(re.search(r'subject-(\d+)', wpath).group(1))
            weights = C.load_berg(wpath.removesuffix('.gz'))
            meta = C.load_berg(C.berg_paths(os.path.join(FIXTURES, case), subj)[1])
            ch_names = meta['eeg']['ch_names']
            resp = C.encode_features(feats, weights)
            assert np.allclose(resp, sklearn_encode(feats, weights), rtol=1e-5, atol=1e-5)
            assert resp.shape == (2, C.N_REPS, C.N_CHANNELS, C.N_TIMES)
            sel = C.select(resp, ch_names, SEL_CHANNELS, mask)
            tag = f'{case}_sub-{subj:02d}'
            np.save(os.path.join(OUT, f'{tag}_all.npy'), resp)
            np.save(os.path.join(OUT, f'{tag}_sel.npy'), np.ascontiguousarray(sel))
            np.save(os.path.join(OUT, f'{tag}_scores.npy'), pca_scores(feats, weights))
            summary.append({'file': tag, 'sel_shape': list(sel.shape),
                            'absmax': float(np.abs(resp).max()),
                            'rep_spread': float(np.abs(resp[:, 0] - resp[:, 3]).max()),
                            'image_spread': float(np.abs(resp[0] - resp[1]).max())})
    with open(os.path.join(OUT, 'selection.json'), 'w') as f:
        json.dump({'channels': SEL_CHANNELS,
                   'channels_out': list(SEL_CHANNELS),
                   'timepoints': mask}, f, indent=1)
        f.write('\n')
    for s in summary:
        print(json.dumps(s))


if __name__ == '__main__':
    main()
