"""Checks the playground's reduced exports against numpy's means of its full export.

usage: /usr/bin/python3 tools/reference/check_reduced_exports.py FULL.npy REPMEAN.npy CONDMEAN.npy

Each .npy has its sidecar beside it (OUT.npy.json). Prints one JSON line: for each reduced file,
whether it equals numpy's mean exactly and the largest absolute difference.
"""
import json
import sys

import numpy as np


def load(path):
    with open(path + ".json") as f:
        return np.load(path), json.load(f)


def main(full_path, rep_path, cond_path):
    x, full = load(full_path)
    rep, rep_meta = load(rep_path)
    cond, cond_meta = load(cond_path)
    want_rep = x.mean(axis=1)
    labels = np.array([i.get("condition") for i in full["images"]], dtype=object)
    want_cond = np.stack([x[labels == c["name"]].mean(axis=0) for c in cond_meta["reduction"]["conditions"]])
    counts = [int((labels == c["name"]).sum()) for c in cond_meta["reduction"]["conditions"]]
    out = {
        "repetition_mean": {"shape": list(rep.shape), "dtype": str(rep.dtype), "equal": bool(np.array_equal(rep, want_rep)), "max_abs": float(np.abs(rep - want_rep).max()), "scale": float(np.abs(want_rep).max())},
        "condition_mean": {"shape": list(cond.shape), "dtype": str(cond.dtype), "equal": bool(np.array_equal(cond, want_cond)), "max_abs": float(np.abs(cond - want_cond).max()), "scale": float(np.abs(want_cond).max()), "counts": counts},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
