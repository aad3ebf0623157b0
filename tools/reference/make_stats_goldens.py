#!/usr/bin/python3
"""Goldens for src/analysis/: MNE-Python 1.3 cluster tests and adjacency,
scikit-learn 1.2 decoding (LDA lsqr + Ledoit-Wolf, StratifiedKFold), scipy
distributions, spreads, RDMs and Spearman correlations.

Writes test/golden/stats/*.json (deterministic; run with Debian's /usr/bin/python3).
All inputs are small seeded in-silico arrays; every case stores its inputs so
the TypeScript tests replay it exactly.
"""
import json
import os

import numpy as np
import scipy
import scipy.stats as sst
from scipy.spatial.distance import pdist
import sklearn
import mne
from mne.stats import (permutation_cluster_1samp_test, permutation_cluster_test,
                       spatio_temporal_cluster_1samp_test, spatio_temporal_cluster_test)
from mne.decoding import SlidingEstimator, GeneralizingEstimator, cross_val_multiscore
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold
from sklearn.covariance import ledoit_wolf_shrinkage

mne.set_log_level('ERROR')
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'golden', 'stats')
os.makedirs(OUT, exist_ok=True)


def tolist(a):
    a = np.asarray(a)
    if a.dtype.kind == 'f':
        return [float(v) for v in a.ravel()] if a.ndim else float(a)
    return a.tolist()


def write(name, obj):
    obj = dict(obj)
    obj['versions'] = {'mne': mne.__version__, 'sklearn': sklearn.__version__,
                       'scipy': scipy.__version__, 'numpy': np.__version__}
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')


# ---------------------------------------------------------------- montage
chans = json.load(open(os.path.join(ROOT, 'src', 'data', 'channels_10-05_63.json')))['channels']
ch_names = [c['name'] for c in chans]
info = mne.create_info(ch_names, 1000.0, 'eeg')
info.set_montage(mne.channels.make_standard_montage('standard_1005'))
adj, adj_names = mne.channels.find_ch_adjacency(info, 'eeg')
assert adj_names == ch_names
adj = adj.toarray().astype(bool)
neighbors = [[int(j) for j in np.nonzero(adj[i])[0]] for i in range(len(ch_names))]
write('adjacency.json', {'ch_names': ch_names, 'neighbors': neighbors,
                         'how': "mne.channels.find_ch_adjacency(info, 'eeg') for the standard_1005 montage "
                                '(Delaunay on _find_topomap_coords; diagonal set)'})

# ---------------------------------------------------------------- rng
rs = np.random.RandomState(42)
rng_golden = {
    'seed': 42,
    'permutation_10': rs.permutation(10).tolist(),
    'choice_1000_20': rs.choice(1000, 20, replace=False).tolist(),
    'uniform_5': tolist(rs.uniform(size=5)),
    'permutation_7': rs.permutation(7).tolist(),
}
write('rng.json', rng_golden)

# ---------------------------------------------------------------- distributions
t_cases = [(p, df) for p in (0.975, 0.95, 0.995, 0.025, 0.6) for df in (1, 2, 3, 5, 9, 29, 999)]
f_cases = [(0.95, a, b) for a in (1, 2, 3) for b in (1, 4, 10, 16, 198, 998)]
write('distributions.json', {
    't_ppf': [{'p': p, 'df': df, 'x': float(sst.t.ppf(p, df))} for p, df in t_cases],
    'f_ppf': [{'p': p, 'dfn': a, 'dfd': b, 'x': float(sst.f.ppf(p, a, b))} for p, a, b in f_cases],
})

# ---------------------------------------------------------------- spread
rng = np.random.RandomState(11)
Xs = rng.randn(9, 10) * 2.0 + np.linspace(-1, 1, 10)
m = Xs.mean(0)
sem = sst.sem(Xs, axis=0)
lo, hi = sst.t.interval(0.95, Xs.shape[0] - 1, loc=m, scale=sem)
write('spread.json', {'X': tolist(Xs), 'n': 9, 'T': 10, 'mean': tolist(m), 'sd': tolist(Xs.std(0, ddof=1)),
                      'sem': tolist(sem), 'ci95_lo': tolist(lo), 'ci95_hi': tolist(hi)})


# ---------------------------------------------------------------- clusters
def clusters_out(clusters, shape):
    """Each cluster as sorted flat indices into `shape` (C order)."""
    out = []
    for c in clusters:
        flat = np.ravel_multi_index(c, shape) if isinstance(c, tuple) else np.asarray(c)
        out.append(sorted(int(v) for v in np.ravel(flat)))
    return out


def effect(n, T, C, t0, t1, chans_on, size, rng):
    X = rng.randn(n, T, C) if C else rng.randn(n, T)
    if C:
        X[:, t0:t1][:, :, chans_on] += size
    else:
        X[:, t0:t1] += size
    return X


cases = []
rng = np.random.RandomState(2024)
onesamp = [
    # name, n, T, tail, n_permutations, seed
    ('1samp_exact', 8, 30, 0, 1000, 1),
    ('1samp_choice', 15, 30, 0, 1000, 42),
    ('1samp_uniform', 25, 24, 0, 200, 7),
    ('1samp_tail1_exact', 6, 20, 1, 1000, 3),
    ('1samp_tailm1_choice', 14, 20, -1, 500, 9),
]
for name, n, T, tail, n_perm, seed in onesamp:
    X = effect(n, T, 0, T // 3, T // 3 + 6, None, 0.9 * (-1 if tail == -1 else 1), rng)
    X[:, 2:5] -= 0.8 if tail == 0 else 0.0
    t_obs, clusters, pv, H0 = permutation_cluster_1samp_test(X, n_permutations=n_perm, tail=tail, seed=seed, out_type='indices')
    thr = -sst.t.ppf(0.05 / (1 + (tail == 0)), n - 1) * (-1 if tail < 0 else 1)
    cases.append({'name': name, 'kind': '1samp', 'shape': [T], 'X': tolist(X), 'n': [n], 'tail': tail,
                  'n_permutations': n_perm, 'seed': seed, 'threshold': float(thr), 'stat': tolist(t_obs),
                  'clusters': clusters_out(clusters, (T,)), 'p': tolist(pv), 'H0': tolist(H0)})

for name, n1, n2, T, n_perm, seed in [('indep_f', 7, 9, 30, 500, 0), ('indep_f_3groups', 6, 5, 20, 300, 12)]:
    groups = [effect(n1, T, 0, 8, 15, None, 1.2, rng), rng.randn(n2, T)]
    if name.endswith('3groups'):
        groups.append(rng.randn(7, T) + 0.3)
    F, clusters, pv, H0 = permutation_cluster_test(groups, n_permutations=n_perm, seed=seed, out_type='indices')
    dfn = len(groups) - 1
    dfd = sum(len(g) for g in groups) - len(groups)
    cases.append({'name': name, 'kind': 'indep', 'shape': [T], 'X': [tolist(g) for g in groups], 'n': [len(g) for g in groups],
                  'tail': 0, 'n_permutations': n_perm, 'seed': seed, 'threshold': float(sst.f.ppf(0.95, dfn, dfd)),
                  'stat': tolist(F), 'clusters': clusters_out(clusters, (T,)), 'p': tolist(pv), 'H0': tolist(H0)})

C = len(ch_names)
adj_sparse = mne.channels.find_ch_adjacency(info, 'eeg')[0]
occ = [ch_names.index(c) for c in ('O1', 'Oz', 'O2', 'PO3', 'POz', 'PO4', 'PO7', 'PO8')]
front = [ch_names.index(c) for c in ('F3', 'F1', 'F2', 'F4', 'FC1', 'FC2')]
for name, n, T, n_perm, seed in [('st_1samp_choice', 12, 16, 500, 5), ('st_1samp_exact', 7, 12, 1000, 2)]:
    X = effect(n, T, C, 4, 10, occ, 1.1, rng)
    X[:, 9:13][:, :, front] -= 1.0
    t_obs, clusters, pv, H0 = spatio_temporal_cluster_1samp_test(X, adjacency=adj_sparse, n_permutations=n_perm, seed=seed, out_type='indices')
    cases.append({'name': name, 'kind': '1samp', 'shape': [T, C], 'X': tolist(X), 'n': [n], 'tail': 0,
                  'n_permutations': n_perm, 'seed': seed, 'threshold': float(sst.t.ppf(1 - 0.025, n - 1)),
                  'stat': tolist(t_obs), 'clusters': clusters_out(clusters, (T, C)), 'p': tolist(pv), 'H0': tolist(H0)})
for name, n1, n2, T, n_perm, seed in [('st_indep_f', 8, 10, 14, 300, 4)]:
    A = effect(n1, T, C, 3, 9, occ, 1.3, rng)
    B = rng.randn(n2, T, C)
    F, clusters, pv, H0 = spatio_temporal_cluster_test([A, B], adjacency=adj_sparse, n_permutations=n_perm, seed=seed, out_type='indices')
    cases.append({'name': name, 'kind': 'indep', 'shape': [T, C], 'X': [tolist(A), tolist(B)], 'n': [n1, n2], 'tail': 0,
                  'n_permutations': n_perm, 'seed': seed, 'threshold': float(sst.f.ppf(0.95, 1, n1 + n2 - 2)),
                  'stat': tolist(F), 'clusters': clusters_out(clusters, (T, C)), 'p': tolist(pv), 'H0': tolist(H0)})
write('clusters.json', {'cases': cases})

# ---------------------------------------------------------------- decoding
rng = np.random.RandomState(77)
n, Cd, Td = 40, 6, 12
y = np.array([0] * 18 + [1] * 22)
rng.shuffle(y)
Xd = rng.randn(n, Cd, Td)
pattern = rng.randn(Cd)
Xd[y == 1, :, 4:9] += 0.8 * pattern[:, None]
Xd += 0.5 * rng.randn(n, 1, 1) * rng.randn(1, Cd, 1)  # correlated sensors
folds = {}
for seed in (0, 7, 123):
    skf = StratifiedKFold(5, shuffle=True, random_state=seed)
    folds[str(seed)] = [int(v) for v in skf._make_test_folds(Xd, y)]
folds['noshuffle'] = [int(v) for v in StratifiedKFold(5)._make_test_folds(Xd, y)]
# unbalanced three-class labels for the fold assignment alone
y3 = np.array([2] * 7 + [0] * 11 + [1] * 5)
np.random.RandomState(5).shuffle(y3)
folds3 = [int(v) for v in StratifiedKFold(4, shuffle=True, random_state=3)._make_test_folds(np.zeros((len(y3), 1)), y3)]
cv = StratifiedKFold(5, shuffle=True, random_state=7)
lda = LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto')
dec = {}
for scoring in ('roc_auc', 'accuracy'):
    dec[scoring] = {
        'sliding': tolist(cross_val_multiscore(SlidingEstimator(lda, scoring=scoring), Xd, y, cv=cv)),
        'generalizing': tolist(cross_val_multiscore(GeneralizingEstimator(lda, scoring=scoring), Xd, y, cv=cv)),
    }
fit = LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto').fit(Xd[:, :, 6], y)
lw = [float(ledoit_wolf_shrinkage((Xd[y == k, :, 6] - Xd[y == k, :, 6].mean(0)) / Xd[y == k, :, 6].std(0))) for k in (0, 1)]
write('decoding.json', {'X': tolist(Xd), 'y': y.tolist(), 'n': n, 'C': Cd, 'T': Td, 'n_splits': 5, 'cv_seed': 7,
                        'folds': folds, 'y3': y3.tolist(), 'folds3_seed3_k4': folds3, 'scores': dec,
                        'fit_t6': {'coef': tolist(fit.coef_[0]), 'intercept': float(fit.intercept_[0]),
                                   'ledoit_wolf_shrinkage_standardized': lw}})

# ---------------------------------------------------------------- RSA
rng = np.random.RandomState(31)
nr, Cr, Tr = 9, 5, 6
labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
Xr = rng.randn(nr, Cr, Tr)
Xr[:, :, 2:5] += 1.5 * rng.randn(3, Cr)[labels][:, :, None]
Xr[0, :, 0] = Xr[1, :, 0]  # a tie in the Euclidean RDM at t=0
rdm_corr = [pdist(Xr[:, :, t], 'correlation') for t in range(Tr)]
rdm_eucl = [pdist(Xr[:, :, t], 'euclidean') for t in range(Tr)]
model_cat = pdist(labels[:, None], lambda a, b: float(a[0] != b[0]))
pix = rng.rand(nr, 48)
model_pix = pdist(pix, 'correlation')
rho_cat = [float(sst.spearmanr(r, model_cat).correlation) for r in rdm_corr]
rho_pix = [float(sst.spearmanr(r, model_pix).correlation) for r in rdm_eucl]


def square(v, n):
    M = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    M[iu] = v
    return M + M.T


# Permutation test over image labels: the model RDM's rows and columns permuted together
# (np.random.RandomState(seed).permutation per draw), p = (1 + #{rho_perm >= rho_obs}) / (1 + n_perm).
n_perm_rsa, seed_rsa = 200, 13
rs = np.random.RandomState(seed_rsa)
Mpix = square(model_pix, nr)
iu = np.triu_indices(nr, 1)
null = np.zeros((n_perm_rsa, Tr))
for k in range(n_perm_rsa):
    perm = rs.permutation(nr)
    mp = Mpix[perm][:, perm][iu]
    null[k] = [sst.spearmanr(r, mp).correlation for r in rdm_eucl]
p_rsa = (1 + (null >= np.array(rho_pix)).sum(0)) / (1 + n_perm_rsa)
write('rsa.json', {'X': tolist(Xr), 'n': nr, 'C': Cr, 'T': Tr, 'labels': labels.tolist(), 'pixels': tolist(pix),
                   'rdm_correlation': [tolist(r) for r in rdm_corr], 'rdm_euclidean': [tolist(r) for r in rdm_eucl],
                   'model_categorical': tolist(model_cat), 'model_pixels': tolist(model_pix),
                   'spearman_corr_vs_categorical': rho_cat, 'spearman_eucl_vs_pixels': rho_pix,
                   'perm': {'n_permutations': n_perm_rsa, 'seed': seed_rsa, 'p': tolist(p_rsa), 'null_first': tolist(null[0])}})
print('wrote', sorted(os.listdir(OUT)))
