"""JPEG decoding golden: a JPEG (4:2:0 chroma, as cameras write) and the RGB pixels PIL decodes
from it. The CLI's decoder must give the same pixels, so folder input matches BERG users' PIL loading.
Run: /usr/bin/python3 tools/reference/make_jpeg_golden.py
"""
import os
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'jpeg')


def main():
    os.makedirs(OUT, exist_ok=True)
    h, w = 120, 160
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(7)
    img = np.stack([x * 255 // (w - 1), y * 255 // (h - 1), ((x // 8 + y // 8) % 2) * 200 + 20], -1).astype(np.uint8)
    img[30:70, 40:100] = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)  # sharp chroma edges and noise
    path = os.path.join(OUT, 'photo_420.jpg')
    Image.fromarray(img).save(path, quality=85, subsampling=2)
    pixels = np.asarray(Image.open(path).convert('RGB'))
    np.save(os.path.join(OUT, 'photo_420_pil_rgb.npy'), pixels)
    print(path, pixels.shape, 'PIL', Image.__version__)


if __name__ == '__main__':
    main()
