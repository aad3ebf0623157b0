"""Lab manipulation goldens: the formulas of docs/lab.md in numpy/scipy (and PIL's grayscale),
applied to small seeded images; src/lab/manipulations.ts must agree within one uint8 level.
Writes test/golden/lab/input_<S>.npy (uint8 [3, S, S]), output_<S>.npy (uint8 [N, 3, S, S]) and
manifest.json (the N manipulations per size, in order).
Sizes 64 (radix-2 FFT) and 45 (odd: Bluestein FFT, a centre on a pixel).
Run: /usr/bin/python3 tools/reference/make_lab_goldens.py
"""
import json
import os

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
GOLD = os.path.join(ROOT, 'test', 'golden', 'lab')
LUMA = np.array([0.299, 0.587, 0.114])


def scene(S, seed):
    """Gradients, a checkerboard, a bright disk and a noisy patch: edges, colour and texture."""
    y, x = np.mgrid[0:S, 0:S]
    rng = np.random.default_rng(seed)
    r = x * 255.0 / (S - 1)
    g = y * 255.0 / (S - 1)
    b = ((x // 5 + y // 5) % 2) * 150.0 + 50
    disk = (y - S * 0.35) ** 2 + (x - S * 0.6) ** 2 < (S * 0.18) ** 2
    img = np.stack([r, g, b]).astype(np.float64)
    img[:, disk] = np.array([240.0, 230.0, 40.0])[:, None]
    q = S // 4
    img[:, q:2 * q, q:2 * q] = rng.integers(0, 256, (3, q, q))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def to_u8(f):
    return np.clip(np.rint(f), 0, 255).astype(np.uint8)


def lum(x):
    return np.tensordot(LUMA, x.astype(np.float64), axes=1)


def channel_means(x):
    return x.reshape(3, -1).astype(np.float64).mean(axis=1)


def contrast(x, rms):
    L = lum(x)
    mu, sd = L.mean(), L.std()
    k = rms * 255 / sd if sd > 0 else 1.0
    return to_u8(mu + k * (x.astype(np.float64) - mu))


def luminance(x, mean):
    return to_u8(x.astype(np.float64) + (mean - lum(x).mean()))


def grayscale(x, amount):
    return to_u8((1 - amount) * x.astype(np.float64) + amount * lum(x)[None])


def blur(x, sigma):
    return to_u8(ndimage.gaussian_filter(x.astype(np.float64), sigma=(0, sigma, sigma), mode='reflect', truncate=4.0))


def freq2(S):
    f = np.fft.fftfreq(S) * S
    return f[:, None] ** 2 + f[None, :] ** 2


def spectral(x, H):
    F = np.fft.fft2(x.astype(np.float64), axes=(1, 2))
    return to_u8(np.real(np.fft.ifft2(F * H[None], axes=(1, 2))))


def radial(S, low, high):
    f2 = freq2(S)
    m = ((f2 >= low * low) & (f2 <= high * high)).astype(np.float64)
    m[0, 0] = 1.0  # the mean (DC) is always kept
    return m


def phase_scramble(x, percent, seed):
    S = x.shape[1]
    noise = np.random.RandomState(seed).random_sample((S, S))
    phi = np.angle(np.fft.fft2(noise))
    k = np.arange(S)
    sc = (2 * k) % S == 0
    phi[np.ix_(sc, sc)] = 0.0  # self-conjugate bins keep their phase
    return spectral(x, np.exp(1j * (percent / 100.0) * phi))


def affine(x, A, t=(0.0, 0.0)):
    S = x.shape[1]
    c0 = (S - 1) / 2
    A = np.asarray(A, dtype=np.float64)
    offset = np.array([c0, c0]) - A @ np.array([c0, c0]) + np.asarray(t)
    fill = channel_means(x)
    out = [ndimage.affine_transform(x[c].astype(np.float64), A, offset=offset, order=1, mode='grid-constant', cval=fill[c]) for c in range(3)]
    return to_u8(np.stack(out))


def rotate(x, degrees):
    t = np.deg2rad(degrees)
    c, s = np.cos(t), np.sin(t)
    return affine(x, [[c, s], [-s, c]])


def invert(x, mode):
    if mode == 'negative':
        return (255 - x).astype(np.uint8)
    if mode == 'upside-down':
        return x[:, ::-1, :].copy()
    return x[:, :, ::-1].copy()


def noise(x, sd, seed):
    S = x.shape[1]
    return to_u8(x.astype(np.float64) + sd * np.random.RandomState(seed).standard_normal((3, S, S)))


def aperture(x, radius):
    S = x.shape[1]
    c0 = (S - 1) / 2
    y, xx = np.mgrid[0:S, 0:S]
    inside = (y - c0) ** 2 + (xx - c0) ** 2 <= (radius * S / 2) ** 2
    fill = channel_means(x)
    return to_u8(np.where(inside[None], x.astype(np.float64), fill[:, None, None]))


def bubbles(x, count, sigma, seed):
    S = x.shape[1]
    u = np.random.RandomState(seed).random_sample((count, 2)) * S - 0.5
    y, xx = np.mgrid[0:S, 0:S]
    m = np.zeros((S, S))
    for cy, cx in u:
        m += np.exp(-((y - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma * sigma))
    m = np.minimum(m, 1.0)
    fill = channel_means(x)
    return to_u8(m[None] * x + (1 - m[None]) * fill[:, None, None])


def apply(x, m):
    k = m['kind']
    if k == 'contrast':
        return contrast(x, m['rms'])
    if k == 'luminance':
        return luminance(x, m['mean'])
    if k == 'grayscale':
        return grayscale(x, m['amount'])
    if k == 'blur':
        return blur(x, m['sigma'])
    if k == 'lowpass':
        return spectral(x, radial(x.shape[1], 0, m['cutoff']))
    if k == 'highpass':
        return spectral(x, radial(x.shape[1], m['cutoff'], np.inf))
    if k == 'bandpass':
        return spectral(x, radial(x.shape[1], m['low'], m['high']))
    if k == 'phase-scramble':
        return phase_scramble(x, m['percent'], m['seed'])
    if k == 'rotate':
        return rotate(x, m['degrees'])
    if k == 'invert':
        return invert(x, m['mode'])
    if k == 'scale':
        f = m['factor']
        return affine(x, [[1 / f, 0], [0, 1 / f]])
    if k == 'translate':
        return affine(x, np.eye(2), (-m['dy'], -m['dx']))
    if k == 'noise':
        return noise(x, m['sd'], m['seed'])
    if k == 'aperture':
        return aperture(x, m['radius'])
    if k == 'bubbles':
        return bubbles(x, m['count'], m['sigma'], m['seed'])
    raise ValueError(k)


CASES = [
    {'kind': 'contrast', 'rms': 0.05},
    {'kind': 'contrast', 'rms': 0.4},
    {'kind': 'luminance', 'mean': 60},
    {'kind': 'grayscale', 'amount': 1},
    {'kind': 'grayscale', 'amount': 0.5},
    {'kind': 'blur', 'sigma': 1.5},
    {'kind': 'blur', 'sigma': 6},
    {'kind': 'lowpass', 'cutoff': 6},
    {'kind': 'highpass', 'cutoff': 8},
    {'kind': 'bandpass', 'low': 4, 'high': 10},
    {'kind': 'phase-scramble', 'percent': 50, 'seed': 7},
    {'kind': 'phase-scramble', 'percent': 100, 'seed': 3},
    {'kind': 'rotate', 'degrees': 30},
    {'kind': 'rotate', 'degrees': -90},
    {'kind': 'invert', 'mode': 'upside-down'},
    {'kind': 'invert', 'mode': 'mirror'},
    {'kind': 'invert', 'mode': 'negative'},
    {'kind': 'scale', 'factor': 0.6},
    {'kind': 'scale', 'factor': 1.7},
    {'kind': 'translate', 'dx': 7.5, 'dy': -4},
    {'kind': 'noise', 'sd': 25, 'seed': 11},
    {'kind': 'aperture', 'radius': 0.7},
    {'kind': 'bubbles', 'count': 6, 'sigma': 5, 'seed': 5},
]


def main():
    os.makedirs(GOLD, exist_ok=True)
    manifest = {'cases': CASES, 'sizes': [], 'pil_grayscale_max_abs': {}}
    for S, seed in ((64, 1), (45, 2)):
        x = scene(S, seed)
        out = np.stack([apply(x, m) for m in CASES])
        np.save(os.path.join(GOLD, f'input_{S}.npy'), x)
        np.save(os.path.join(GOLD, f'output_{S}.npy'), out)
        manifest['sizes'].append(S)
        # our grayscale (float BT.601, rint) against PIL's fixed-point convert('L')
        pil = np.asarray(Image.fromarray(np.transpose(x, (1, 2, 0))).convert('L'))
        ours = grayscale(x, 1.0)[0]
        manifest['pil_grayscale_max_abs'][str(S)] = int(np.abs(pil.astype(int) - ours.astype(int)).max())
    with open(os.path.join(GOLD, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print('wrote', GOLD, manifest['pil_grayscale_max_abs'])



# ---- component measures and ranking (src/lab/measures.ts), on seeded responses


PRESETS = [
    ('P1', ['O1', 'Oz', 'O2'], 0.08, 0.13, 'positive'),
    ('N1', ['P7', 'P8', 'PO7', 'PO8'], 0.14, 0.2, 'negative'),
    ('P2', ['O1', 'Oz', 'O2', 'PO3', 'POz', 'PO4'], 0.2, 0.28, 'positive'),
]


def measures_golden():
    """Responses float32(RandomState(42).standard_normal((6, 4, 63, 140))): the test draws the same."""
    meta = json.load(open(os.path.join(ROOT, 'src', 'data', 'channels_10-05_63.json')))
    ch = [c['name'] for c in meta['channels']]
    times = np.round(-100 + 5 * np.arange(140)) / 1000
    x = np.random.RandomState(42).standard_normal((6, 4, 63, 140)).astype(np.float32).astype(np.float64)
    erp = x.mean(axis=1)  # (images, channels, times)

    def win(tmin, tmax):
        return np.where((times >= tmin - 1e-9) & (times <= tmax + 1e-9))[0]

    def rows(names):
        return [ch.index(n) for n in names]

    out = {'presets': {}}
    for name, chans, tmin, tmax, pol in PRESETS:
        w = erp[:, rows(chans)][:, :, win(tmin, tmax)].mean(axis=1)
        idx = w.argmax(axis=1) if pol == 'positive' else w.argmin(axis=1)
        out['presets'][name] = {
            'mean': w.mean(axis=1).tolist(),
            'peak_amplitude': w[np.arange(len(w)), idx].tolist(),
            'peak_latency': times[win(tmin, tmax)][idx].tolist(),
        }
    t = win(0.08, 0.13)
    a = erp[:, rows(['O1', 'Oz', 'O2'])][:, :, t].mean(axis=(1, 2))
    b = erp[:, rows(['Fp1', 'Fp2'])][:, :, t].mean(axis=(1, 2))
    out['group_contrast'] = (a - b).tolist()
    t = win(0.1, 0.2)
    topo = erp[:, :, t].mean(axis=2)
    out['topography_similarity'] = [float(np.corrcoef(topo[i], topo[0])[0, 1]) for i in range(6)]
    target = np.sin(2 * np.pi * 5 * times)
    oz = erp[:, ch.index('Oz'), :]
    out['timecourse_similarity'] = [float(np.corrcoef(oz[i], target)[0, 1]) for i in range(6)]
    p1 = np.array(out['presets']['P1']['mean'])
    out['rank_p1_mean'] = np.argsort(-p1, kind='stable').tolist()
    counts, edges = np.histogram(p1, bins=4)
    out['histogram_p1_mean'] = {'counts': counts.tolist(), 'edges': edges.tolist()}
    with open(os.path.join(GOLD, 'measures.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
    measures_golden()
