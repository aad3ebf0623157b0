"""Gzip the large fixtures and goldens in place: X becomes X.gz (original removed) when X is over
200 kB and gzip makes it at least 4 times smaller. The tests read X through test/helpers.ts's
fixturePath()/readFixture(), which inflate X.gz once into .cache/fixtures/. The output is
deterministic (no name or time in the gzip header). Run after the make_*.py scripts (make_all.sh
does): /usr/bin/python3 tools/reference/compress_fixtures.py"""
import gzip
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# What make_all.sh writes.
DIRS = [os.path.join('test', 'fixtures', 'berg'), os.path.join('test', 'fixtures', 'bad'), os.path.join('test', 'golden')]
MIN_BYTES = 200_000
MIN_RATIO = 4


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def main():
    for d in DIRS:
        for root, _, files in os.walk(os.path.join(REPO, d)):
            for name in sorted(files):
                path = os.path.join(root, name)
                if name.endswith('.gz'):
                    continue
                if os.path.getsize(path) <= MIN_BYTES:
                    if os.path.exists(path + '.gz'):
                        os.remove(path + '.gz')  # an earlier, larger version
                    continue
                with open(path, 'rb') as f:
                    data = f.read()
                packed = gzip_bytes(data)
                if len(packed) * MIN_RATIO > len(data):
                    if os.path.exists(path + '.gz'):
                        os.remove(path + '.gz')  # an earlier, compressible version
                    continue
                assert gzip.decompress(packed) == data
                with open(path + '.gz', 'wb') as f:
                    f.write(packed)
                os.remove(path)
                print(f'{os.path.relpath(path, REPO)}: {len(data)} -> {len(packed)} bytes (.gz)')


if __name__ == '__main__':
    main()
