#!/bin/sh
# Regenerate every golden and fixture, in dependency order. Needs Debian's
# python3 with python3-torch, python3-torchvision, python3-sklearn, python3-numpy,
# python3-scipy, python3-mne and python3-pil.
set -eu
cd "$(dirname "$0")/../.."
PY=${PY:-/usr/bin/python3}
"$PY" tools/reference/make_goldens.py
"$PY" tools/reference/make_berg_fixtures.py
"$PY" tools/reference/make_fixture_responses.py
"$PY" tools/reference/make_bad_fixtures.py
"$PY" tools/reference/make_jpeg_golden.py
"$PY" tools/reference/make_pixel_goldens.py
"$PY" tools/reference/make_topomap_goldens.py
"$PY" tools/reference/make_stats_goldens.py
"$PY" tools/reference/make_lab_goldens.py
"$PY" tools/reference/make_subject_goldens.py
"$PY" tools/fixtures/make_example_stimuli.py
# last: keep the large fixtures and goldens gzipped in the tree (the tests inflate them)
"$PY" tools/reference/compress_fixtures.py
