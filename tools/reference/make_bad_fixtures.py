"""Write malformed or hostile inputs for the error-path tests under
test/fixtures/bad/. Run: /usr/bin/python3 tools/reference/make_bad_fixtures.py

Never np.load os_system.npy with allow_pickle: unpickling it runs a shell command.
"""

import io
import os
import pickletools
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import make_berg_fixtures as B  # noqa: E402

BAD = os.path.join(C.REPO, 'test', 'fixtures', 'bad')


class _ShellCall:
    """Unpickles into os.system('echo pwned'): what a safe reader must refuse."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def pickle_globals(path):
    """(module, name) pairs a .npy's pickle would import, read without unpickling."""
    with open(path, 'rb') as f:
        major = f.read(8)[6]
        hlen = int.from_bytes(f.read(2 if major == 1 else 4), 'little')
        f.read(hlen)
        data = f.read()
    found, strings = [], []
    for op, arg, _ in pickletools.genops(io.BytesIO(data)):
        if op.name == 'GLOBAL':
            found.append(tuple(arg.split(' ', 1)))
        elif op.name in ('SHORT_BINUNICODE', 'BINUNICODE', 'UNICODE'):
            strings.append(arg)
        elif op.name == 'STACK_GLOBAL':
            found.append(tuple(strings[-2:]))
    return found


def main():
    os.makedirs(BAD, exist_ok=True)
    rng = np.random.default_rng(404)
    # Error-path files only need honest shapes: an identity scaler and very
    # sparse components keep them tiny once compressed.
    scaler = {'scale_': np.ones(C.N_FEATURES), 'mean_': np.zeros(C.N_FEATURES),
              'var_': np.ones(C.N_FEATURES), 'n_features_in_': C.N_FEATURES,
              'n_samples_seen_': np.int64(B.N_TRAIN)}
    z = rng.standard_normal((20, C.N_FEATURES))
    written = {}

    # A weights-shaped dict with a hostile leaf: the reader must stop at the global.
    path = os.path.join(BAD, 'os_system.npy')
    np.save(path, {'scaler_param': _ShellCall(), 'pca_param': {}, 'reg_param': {}})
    globs = pickle_globals(path)
    assert ('posix', 'system') in globs or ('os', 'system') in globs, globs
    written[path] = globs

    # BERG weights of another feature extractor (9,216 features, layout b, K=2).
    n = 9216
    feats = rng.random((20, n)).astype(np.float32)
    sc = {'scale_': B.C.quantize_sig(feats.std(0), 4), 'mean_': B.C.quantize_sig(feats.mean(0), 4),
          'n_features_in_': n, 'n_samples_seen_': np.int64(B.N_TRAIN)}
    sc['var_'] = sc['scale_'] ** 2
    pcs = {}
    for r in range(C.N_REPS):
        comp = B.sparse_components(rng, 2, n=n, density=0.05)
        pcs[f'rep-{r + 1}'] = {'components_': comp, 'mean_': np.zeros(n, np.float32),
                               'explained_variance_': np.ones(2, np.float32),
                               'n_components_': 2, 'n_features_in_': n, 'n_samples_': B.N_TRAIN}
    reg = B.make_reg(rng, 2, np.ones(2), np.float32, 1, bits=3, noise=0, zero_below=0.2)
    path = os.path.join(BAD, 'other_model_weights.npy')
    np.save(path, {'scaler_param': sc, 'pca_param': pcs, 'reg_param': reg})
    written[path] = 'features 9216'

    # Real feature dimension, K=1, but no 'reg_param' key.
    pca1 = B.make_pca(rng, 1, z, density=0.002)
    path = os.path.join(BAD, 'missing_reg_param.npy')
    np.save(path, {'scaler_param': scaler, 'pca_param': pca1})
    written[path] = 'no reg_param'

    # PCA with 3 components, regression expecting 4.
    pca3 = B.make_pca(rng, 3, z, density=0.002)
    reg4 = B.make_reg(rng, 4, np.ones(4) * 40.0, np.float32, 1, bits=3, noise=0, zero_below=0.2)
    path = os.path.join(BAD, 'k_mismatch.npy')
    np.save(path, {'scaler_param': scaler, 'pca_param': pca3, 'reg_param': reg4})
    written[path] = 'K 3 vs coef columns 4'

    for path, what in written.items():
        print(os.path.relpath(path, C.REPO), os.path.getsize(path), what)


if __name__ == '__main__':
    main()
