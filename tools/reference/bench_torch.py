"""PyTorch CPU reference benchmark of BERG's whole EEG pipeline: preprocessing,
AlexNet taps, 4 PCA projections and 4 regressions, all float32 as BERG runs it
(sklearn keeps float32 features in float32). Weights are random and made in
memory; only encoding after a warm-up batch is timed.

  /usr/bin/python3 tools/reference/bench_torch.py --n 100 --size 256 --k 250 --batch 100 --threads 0

Prints one JSON line.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=100)
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--k', type=int, default=250)
    ap.add_argument('--batch', type=int, default=100)
    ap.add_argument('--threads', type=int, default=0, help='0: leave torch default')
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda' (GPU reference for the WebGPU benchmark)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)

    t0 = time.perf_counter()
    dev = torch.device(a.device)
    model = C.build_model().to(dev)
    ext = C.build_extractor(model)
    g = torch.Generator().manual_seed(1)
    nf, nout = C.N_FEATURES, C.N_CHANNELS * C.N_TIMES
    sc_mean = torch.rand(nf, generator=g).to(dev)
    sc_scale = (torch.rand(nf, generator=g) + 0.5).to(dev)
    reps = []
    for _ in range(C.N_REPS):
        reps.append(tuple(t.to(dev) for t in (
            torch.randn(a.k, nf, generator=g) / 64,      # components_
            torch.randn(nf, generator=g) * 1e-3,          # mean_
            torch.randn(nout, a.k, generator=g) / a.k,    # coef_
            torch.randn(nout, generator=g))))             # intercept_
    images = torch.randint(0, 256, (a.n, 3, a.size, a.size), dtype=torch.uint8, generator=g).to(dev)
    load_s = time.perf_counter() - t0

    def encode(x):
        feats = []
        for i in range(0, x.shape[0], a.batch):
            out = ext(C.preprocess(x[i:i + a.batch]))
            feats.append(torch.cat([torch.flatten(out[n], 1) for n in C.NODES], 1))
        z = (torch.cat(feats) - sc_mean) / sc_scale
        resp = [((z - mean) @ comp.T) @ coef.T + icpt for comp, mean, coef, icpt in reps]
        # .cpu() waits for the GPU, so the timing includes all the work
        return torch.stack(resp, 1).reshape(x.shape[0], C.N_REPS, C.N_CHANNELS, C.N_TIMES).cpu().numpy()

    t1 = time.perf_counter()
    encode(images[:min(a.batch, a.n)])
    warm_s = time.perf_counter() - t1

    t2 = time.perf_counter()
    out = encode(images)
    secs = time.perf_counter() - t2
    assert out.shape == (a.n, C.N_REPS, C.N_CHANNELS, C.N_TIMES)

    print(json.dumps({'backend': f'pytorch-{a.device}', 'n': a.n, 'size': a.size, 'k': a.k,
                      'img_per_s': round(a.n / secs, 3), 'seconds': round(secs, 4),
                      'torch': torch.__version__, 'threads': torch.get_num_threads(),
                      'batch': a.batch, 'load_seconds': round(load_s, 3),
                      'warmup_seconds': round(warm_s, 3)}))


if __name__ == '__main__':
    main()
