"""Write the PyTorch goldens under test/golden/ (weights checksums, preprocessing,
feature taps). Run: /usr/bin/python3 tools/reference/make_goldens.py"""

import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import images as I  # noqa: E402

GOLDEN = os.path.join(C.REPO, 'test', 'golden')

PRE_SIZES = [64, 150, 224, 256, 300, 333, 517, 1024]
NORMALIZED_SIZES = [64, 150, 224, 517, 1024]
EXPECTED_FIRST = [0.016887579, 0.030492883, -0.016514238, -0.025204411]


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')


def weights_golden(model):
    params = dict(model.named_parameters())
    assert list(params) == C.PARAM_NAMES, list(params)
    first = params['features.0.weight'].detach().flatten()[:4].tolist()
    assert np.allclose(first, EXPECTED_FIRST, rtol=0, atol=5e-10), first
    out = []
    for name in C.PARAM_NAMES:
        a = params[name].detach().numpy().astype('<f4')
        out.append({
            'name': name,
            'shape': list(a.shape),
            'sha256': hashlib.sha256(a.tobytes()).hexdigest(),
            'first': [float(v) for v in a.reshape(-1)[:4]],
            'sum': float(a.astype(np.float64).sum()),
        })
    write_json(os.path.join(GOLDEN, 'weights_sha256.json'), out)
    return sum(int(np.prod(p['shape'])) for p in out)


def numpy_normalize(r):
    """What a consumer of resized_*.npy must compute, in float32."""
    f = r.astype(np.float32) / np.float32(255)
    mean = np.array(C.MEAN, np.float32)[:, None, None]
    std = np.array(C.STD, np.float32)[:, None, None]
    return (f - mean) / std


def preprocess_goldens():
    d = os.path.join(GOLDEN, 'preprocess')
    os.makedirs(d, exist_ok=True)
    note = None
    for s in PRE_SIZES:
        img = I.preprocess_image(s)
        x = torch.from_numpy(img)[None]
        if note is None:
            note = C.check_preprocess_matches_preset(x)
        resized = C.resize_crop_uint8(x)
        normalized = C.normalize_uint8(resized)
        assert torch.equal(normalized, C.preprocess(x))
        r = resized[0].numpy()
        n = normalized[0].numpy()
        assert r.shape == (3, 224, 224) and r.dtype == np.uint8
        assert n.dtype == np.float32
        # The TS tests may rebuild `normalized` from `resized`; make sure that is exact.
        assert np.array_equal(numpy_normalize(r), n), s
        np.save(os.path.join(d, f'input_{s}.npy'), img)
        np.save(os.path.join(d, f'resized_{s}.npy'), r)
        if s in NORMALIZED_SIZES:
            np.save(os.path.join(d, f'normalized_{s}.npy'), n)
    return note


def taps_goldens(model):
    d = os.path.join(GOLDEN, 'taps')
    os.makedirs(d, exist_ok=True)
    imgs = np.stack([I.scene_image(300, 7), I.noisy_image(300, 8)])
    x = torch.from_numpy(imgs)
    resized = C.resize_crop_uint8(x)
    ext = C.build_extractor(model)
    taps = C.taps_from_normalized(ext, C.normalize_uint8(resized))
    assert taps.shape == (2, C.N_FEATURES) and taps.dtype == np.float32

    # Cross-check the extractor against the plain module chain.
    with torch.no_grad():
        ref = C.preprocess(x)
        f2 = model.features[:3](ref)
        assert torch.allclose(torch.flatten(f2, 1), torch.from_numpy(taps[:, :46656]))
        logits = model(ref)
        assert torch.allclose(logits, torch.from_numpy(taps[:, -1000:]), atol=1e-6)

    np.save(os.path.join(d, 'input.npy'), imgs)
    np.save(os.path.join(d, 'resized.npy'), resized.numpy())
    np.save(os.path.join(d, 'taps.npy'), taps)
    layout = [{'node': n, 'shape': list(shape), 'offset': off, 'size': size}
              for n, shape, off, size in C.tap_layout()]
    write_json(os.path.join(d, 'layout.json'),
               {'n_features': C.N_FEATURES, 'order': 'NCHW flatten per tap, taps concatenated',
                'taps': layout})
    return taps


README = """# Goldens from the PyTorch reference

Written by `tools/reference/make_goldens.py` (and `make_fixture_responses.py`
for `responses/`); regenerate with `tools/reference/make_all.sh`. Do not edit by hand.

Versions that wrote them: {versions}.
Model: `torch.manual_seed(20200220); torchvision.models.alexnet(weights=None).eval()`.
All `.npy` files are plain numeric arrays (C order, no pickles).
Files over 200 kB that gzip shrinks at least 4 times are kept as `<name>.gz`
(`tools/reference/compress_fixtures.py`, the last step of `make_all.sh`); the tests read them
through `fixturePath()` / `readFixture()` in `test/helpers.ts`, which inflate them once into
`.cache/fixtures/`.

| file | contents |
|---|---|
| `weights_sha256.json` | list of 16 `{{name, shape, sha256, first, sum}}` in construction order; `sha256` of the tensor as little-endian float32 in PyTorch layout (conv `[out,in,kh,kw]`, linear `[out,in]`), `first` = first 4 values, `sum` = float64 sum |
| `preprocess/input_<S>.npy` | uint8 `[3,S,S]` test image, S in {pre_sizes} |
| `preprocess/resized_<S>.npy` | uint8 `[3,224,224]`: resize shorter side to 256 (bilinear, antialias=True, rounded to uint8 by torchvision), center crop 224 |
| `preprocess/normalized_<S>.npy` | float32 `[3,224,224]` final model input, S in {norm_sizes}; equals `(float32(resized)/255 - mean)/std` in float32 exactly (checked when written) |
| `taps/input.npy` | uint8 `[2,3,300,300]`: a smooth scene with edges, a noise-heavy image |
| `taps/resized.npy` | uint8 `[2,3,224,224]`: those images after resize + crop |
| `taps/taps.npy` | float32 `[2,205672]`: the 8 taps, each flattened NCHW, concatenated |
| `taps/layout.json` | `{{n_features, order, taps: [{{node, shape, offset, size}}]}}` |
| `responses/<case>_sub-NN_all.npy` | float32 `[2,4,63,140]`: full BERG pipeline on `taps/input.npy` with the fixture `test/fixtures/berg/<case>` subject NN |
| `responses/<case>_sub-NN_sel.npy` | float32 `[2,4,C,T]`: same with the selection in `responses/selection.json`; channels come back in the order requested, duplicates kept, as BERG does |
| `responses/<case>_sub-NN_scores.npy` | float32 `[2,4,K]`: the PCA scores per repetition (before the regression), to locate a mismatch |
| `responses/selection.json` | `{{channels: [...request order...], channels_out: [...rows of the `_sel` arrays: the request order...], timepoints: "0/1 x 140"}}` |

Preprocessing note: {pre_note}.
"""


def main():
    torch.set_grad_enabled(False)
    os.makedirs(GOLDEN, exist_ok=True)
    model = C.build_model()
    n_params = weights_golden(model)
    pre_note = preprocess_goldens()
    taps = taps_goldens(model)
    v = C.versions()
    with open(os.path.join(GOLDEN, 'README.md'), 'w') as f:
        f.write(README.format(
            versions=', '.join(f'{k} {v[k]}' for k in ('torch', 'torchvision', 'numpy', 'sklearn')),
            pre_sizes=', '.join(map(str, PRE_SIZES)),
            norm_sizes=', '.join(map(str, NORMALIZED_SIZES)),
            pre_note=pre_note))
    print(json.dumps({'params': n_params, 'taps_absmax': float(np.abs(taps).max()),
                      'preprocess': pre_note}))


if __name__ == '__main__':
    main()
