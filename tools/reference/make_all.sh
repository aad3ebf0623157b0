#!/bin/sh
# Regenerate every golden and fixture, in dependency order. Needs Debian's
# python3 with python3-torch, python3-torchvision, python3-sklearn, python3-numpy.
set -eu
cd "$(dirname "$0")/../.."
PY=${PY:-/usr/bin/python3}
"$PY" tools/reference/make_goldens.py
"$PY" tools/reference/make_berg_fixtures.py
"$PY" tools/reference/make_fixture_responses.py
"$PY" tools/reference/make_bad_fixtures.py
