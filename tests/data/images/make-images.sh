#!/bin/sh
# tests/data/images/make-images.sh - how the committed test images were
# made (ImageMagick 6.9 and python3; run from this folder).  Re-running it
# gives new files (plasma, noise), so the expected hashes would have to be
# regenerated as README.md describes.  Not run by the tests.
set -eu
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# photo-like base: fractal plasma, blurred, with a little grain
convert -seed 7 -size 160x112 plasma:fractal -blur 0x1.5 -attenuate 0.1 +noise Gaussian \
    -depth 8 PNG24:"$t/base.png"
cp "$t/base.png" photo.png
convert "$t/base.png" -quality 85 -sampling-factor 2x2 photo.jpg
convert "$t/base.png" -quality 85 -interlace JPEG photo-progressive.jpg
convert "$t/base.png" -colorspace Gray -quality 85 photo-grey.jpg
convert "$t/base.png" -colorspace CMYK -quality 85 photo-cmyk.jpg
convert "$t/base.png" -interlace PNG photo-interlaced.png
convert "$t/base.png" -colors 64 PNG8:photo-palette.png
convert "$t/base.png" -colorspace Gray -depth 16 PNG:photo-grey16.png
convert "$t/base.png" -quality 80 photo.webp
convert "$t/base.png" -colors 128 photo.gif
convert "$t/base.png" -colors 128 -interlace GIF photo-interlaced.gif
# alpha: a horizontal ramp, opaque on the left, transparent on the right
convert "$t/base.png" \( -size 112x160 gradient:white-black -rotate -90 \) \
    -alpha off -compose CopyOpacity -composite PNG32:photo-rgba.png
convert photo-rgba.png -define webp:lossless=true photo-rgba.webp
# stored rotated 90 degrees anticlockwise, with EXIF orientation 6
# ("rotate 90 clockwise to display"), so it displays as photo.jpg
convert "$t/base.png" -rotate -90 -quality 85 -sampling-factor 2x2 "$t/rot.jpg"
python3 - "$t/rot.jpg" photo-exif6.jpg <<'PY'
import sys, struct
d = open(sys.argv[1], 'rb').read()
tiff = b'MM\x00\x2a' + struct.pack('>I', 8) + struct.pack('>H', 1) + \
       struct.pack('>HHIHH', 0x0112, 3, 1, 6, 0) + struct.pack('>I', 0)
app1 = b'Exif\x00\x00' + tiff
open(sys.argv[2], 'wb').write(d[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + d[2:])
PY
# text-like: rows of black "words" on white, grey PNG
python3 - <<'PY'
import random, zlib, struct
random.seed(3)
W, H = 160, 112
px = [[255] * W for _ in range(H)]
y = 8
while y + 8 < H:
    x = 6
    while x < W - 10:
        wl = random.randint(8, 40)
        for yy in range(y, y + 7):
            for xx in range(x, min(x + wl, W - 6)):
                if random.random() < 0.7:
                    px[yy][xx] = 0
        x += wl + 6
    y += 14
def chunk(t, b):
    return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
raw = b''.join(b'\x00' + bytes(r) for r in px)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 0, 0, 0, 0)) + \
      chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
open('text.png', 'wb').write(png)
# bad files
d = open('photo.jpg', 'rb').read()
open('bad/truncated.jpg', 'wb').write(d[:len(d) // 2])
p = bytearray(open('photo.png', 'rb').read())
i = p.find(b'IDAT') + 200
p[i:i + 64] = bytes(64)
open('bad/corrupt.png', 'wb').write(bytes(p))
open('bad/huge.png', 'wb').write(b'\x89PNG\r\n\x1a\n' +
     chunk(b'IHDR', struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0)) +
     chunk(b'IDAT', zlib.compress(b'\x00' * 1000)))
# a JPEG whose frame header claims 65000x65000 (4.2 gigapixels)
j = bytearray(d)
k = j.find(b'\xff\xc0')
j[k + 5:k + 9] = struct.pack('>HH', 65000, 65000)
open('bad/huge.jpg', 'wb').write(bytes(j))
open('bad/really-png.jpg', 'wb').write(open('photo.png', 'rb').read())
open('bad/empty.jpg', 'wb').write(b'')
open('bad/notes.txt', 'w').write('This is not an image.\n')
PY
# tiny and flat images
convert -size 4x4 xc:gray50 tiny-4x4.png
convert -size 100x80 xc:'#808080' flat.png
convert -seed 11 -size 96x96 xc:gray50 -attenuate 2 +noise Uniform -colorspace Gray -depth 8 noise.png
