"""Shared pieces of the Python reference for eeg-things_eeg_2-alexnet_untrained.

Everything here mirrors BERG's own PyTorch/sklearn pipeline so that the
TypeScript engine can be compared against it value by value:
  uint8 image -> torchvision AlexNet preprocessing -> seeded untrained AlexNet
  -> 8 flattened feature taps (205,672 values) -> StandardScaler -> PCA per
  repetition -> linear regression per repetition -> [B, 4, 63, 140].

Run with Debian's interpreter (/usr/bin/python3): it carries torch 1.13,
torchvision 0.14, scikit-learn 1.2 and numpy 1.24.
"""

import gzip
import io
import json
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.transforms import InterpolationMode

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.path.abspath(os.path.join(REPO, '..', 'shared'))
CHANNELS_JSON = os.path.join(SHARED, 'data', 'channels_10-05_63.json')

SEED = 20200220
MODEL_ID = 'eeg-things_eeg_2-alexnet_untrained'
MODEL_SUBDIR = os.path.join('encoding_models', 'modality-eeg',
                            'train_dataset-things_eeg_2', 'model-alexnet_untrained')

# Tap order matters: BERG concatenates the flattened taps in this order.
NODES = ['features.2', 'features.5', 'features.7', 'features.9', 'features.12',
         'classifier.2', 'classifier.5', 'classifier.6']
TAP_SHAPES = {
    'features.2': (64, 27, 27),
    'features.5': (192, 13, 13),
    'features.7': (384, 13, 13),
    'features.9': (256, 13, 13),
    'features.12': (256, 6, 6),
    'classifier.2': (4096,),
    'classifier.5': (4096,),
    'classifier.6': (1000,),
}
N_FEATURES = 205672
N_REPS = 4
N_CHANNELS = 63
N_TIMES = 140

# Parameter tensors in the order AlexNet constructs (and seeds) them.
PARAM_NAMES = [f'{layer}.{kind}'
               for layer in ['features.0', 'features.3', 'features.6', 'features.8',
                             'features.10', 'classifier.1', 'classifier.4', 'classifier.6']
               for kind in ('weight', 'bias')]

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
RESIZE = 256
CROP = 224


def tap_layout():
    """[(node, shape, offset, size)] of each tap inside the 205,672-vector."""
    out, off = [], 0
    for node in NODES:
        shape = TAP_SHAPES[node]
        size = int(np.prod(shape))
        out.append((node, shape, off, size))
        off += size
    assert off == N_FEATURES
    return out


def versions():
    import sklearn
    return {'torch': torch.__version__, 'torchvision': torchvision.__version__,
            'numpy': np.__version__, 'sklearn': sklearn.__version__}


# ---------------------------------------------------------------- model

def build_model():
    """Untrained AlexNet exactly as BERG builds it (seeded right before construction)."""
    torch.manual_seed(SEED)
    model = torchvision.models.alexnet(weights=None)
    return model.eval()


def build_extractor(model):
    return create_feature_extractor(model, return_nodes=NODES).eval()


@torch.no_grad()
def taps_from_normalized(extractor, x):
    """float32 [B,3,224,224] -> float32 numpy [B, 205672] (NCHW flatten, NODES order)."""
    out = extractor(x)
    flat = [torch.flatten(out[n], start_dim=1) for n in NODES]
    return torch.cat(flat, dim=1).numpy().astype(np.float32, copy=False)


# ---------------------------------------------------------------- preprocessing

def resize_crop_uint8(x):
    """uint8 [B,3,H,W] -> uint8 [B,3,224,224]: shorter side to 256 (bilinear,
    antialias; torchvision rounds back to uint8 because the input is uint8), then
    torchvision's center crop."""
    assert x.dtype == torch.uint8
    r = TF.resize(x, [RESIZE], interpolation=InterpolationMode.BILINEAR, antialias=True)
    assert r.dtype == torch.uint8
    return TF.center_crop(r, [CROP])


def normalize_uint8(r):
    """uint8 [B,3,224,224] -> float32: /255 then ImageNet mean/std, as the preset does."""
    f = TF.convert_image_dtype(r, torch.float)
    return TF.normalize(f, mean=list(MEAN), std=list(STD))


def preprocess(x):
    """The whole preprocessing, uint8 [B,3,H,W] tensor -> float32 [B,3,224,224]."""
    return normalize_uint8(resize_crop_uint8(x))


def preset_transform(antialias):
    """BERG calls AlexNet_Weights.IMAGENET1K_V1.transforms(). Returns the preset
    built with the antialias keyword, or None when this torchvision's preset
    does not take it (0.14 does not)."""
    weights = torchvision.models.AlexNet_Weights.IMAGENET1K_V1
    try:
        return weights.transforms(antialias=antialias)
    except TypeError:
        return None


def check_preprocess_matches_preset(x):
    """Assert that our explicit steps are the preset's steps.

    If the preset accepts antialias=True, compare directly. Otherwise compare
    with antialias off on both sides (the preset's tensor default in 0.14),
    which pins every other step (size rule, crop offsets, dtype conversion,
    normalisation) to the preset. Returns a short description."""
    t = preset_transform(True)
    with torch.no_grad():
        if t is not None:
            assert torch.equal(t(x), preprocess(x))
            return 'preset accepts antialias=True; identical to explicit steps'
        plain = torchvision.models.AlexNet_Weights.IMAGENET1K_V1.transforms()
        r = TF.resize(x, [RESIZE], interpolation=InterpolationMode.BILINEAR, antialias=False)
        ours = normalize_uint8(TF.center_crop(r, [CROP]))
        assert torch.equal(plain(x), ours)
        return ('preset rejects antialias (TypeError); explicit steps equal the '
                'preset with antialias off, and antialias=True is passed to resize')


# ---------------------------------------------------------------- BERG files

def channel_names():
    with open(CHANNELS_JSON) as f:
        return [c['name'] for c in json.load(f)['channels']]


def berg_paths(root, subject):
    base = os.path.join(root, MODEL_SUBDIR)
    return (os.path.join(base, 'encoding_models_weights', f'weights_subject-{subject:02d}.npy'),
            os.path.join(base, 'metadata', f'metadata_subject-{subject:02d}.npy'))


def load_berg(path):
    """np.save(path, dict) round trip. Only for files this project wrote. Reads path + '.gz' when
    compress_fixtures.py has compressed it."""
    if not os.path.exists(path) and os.path.exists(path + '.gz'):
        with gzip.open(path + '.gz', 'rb') as f:
            return np.load(io.BytesIO(f.read()), allow_pickle=True).item()
    return np.load(path, allow_pickle=True).item()


def _pca_state(p):
    """A PCA's parameters as a dict, whether stored as dict or sklearn object."""
    if isinstance(p, dict):
        return p
    return {'components_': p.components_, 'mean_': p.mean_}


def pca_per_rep(pca_param):
    """Normalise the three pca_param layouts to a list of N_REPS dicts:
    (a) one dict with components_ shared by every repetition,
    (b) {'rep-1': dict, ...}, (c) {'rep-1': sklearn PCA, ...}."""
    if isinstance(pca_param, dict) and 'components_' in pca_param:
        return [pca_param] * N_REPS
    return [_pca_state(pca_param[f'rep-{r + 1}']) for r in range(N_REPS)]


def encode_features(feats, weights):
    """BERG's encoder in float64 from float32 features.

    feats: float32 [B, 205672]; weights: BERG weights dict.
    Returns float32 [B, 4, 63, 140]."""
    x = np.asarray(feats, dtype=np.float32).astype(np.float64)
    sc = weights['scaler_param']
    z = (x - np.asarray(sc['mean_'], np.float64)) / np.asarray(sc['scale_'], np.float64)
    pcas = pca_per_rep(weights['pca_param'])
    out = []
    for r in range(N_REPS):
        p = pcas[r]
        comp = np.asarray(p['components_'], np.float64)
        scores = (z - np.asarray(p['mean_'], np.float64)) @ comp.T
        reg = weights['reg_param'][f'rep-{r + 1}']
        coef = np.asarray(reg['coef_'], np.float64)
        assert coef.shape == (N_CHANNELS * N_TIMES, comp.shape[0]), coef.shape
        y = scores @ coef.T + np.asarray(reg['intercept_'], np.float64)
        out.append(y.reshape(-1, N_CHANNELS, N_TIMES))
    return np.stack(out, axis=1).astype(np.float32)


def select(resp, ch_names, channels, mask):
    """BERG's selection: channels in the order requested, duplicates kept
    (BERG builds [ch_names.index(c) for c in channels]); times in mask order."""
    ci = [list(ch_names).index(c) for c in channels]
    ti = [i for i, c in enumerate(mask) if c == '1']
    return resp[:, :, ci][:, :, :, ti]


# ---------------------------------------------------------------- misc

def quantize_sig(x, bits):
    """Round float values to `bits` significant mantissa bits (keeps relative
    precision, leaves the low bytes zero so zlib packs the arrays well)."""
    x = np.asarray(x, np.float64)
    m, e = np.frexp(x)
    return np.ldexp(np.round(m * (1 << bits)) / (1 << bits), e)
