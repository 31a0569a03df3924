#!/usr/bin/env python3
"""Writes Fixtures/images/: photographs, odd-format and broken image files, and the Pillow, Keras and
torchvision reference values Tests/StrataImageTests check Strata's decoding, resampling and presets against.

    python3 Tools/make-image-fixtures.py

Photographs come from scikit-image's sample data (skimage.data: astronaut, chelsea, coffee, camera, rocket),
some scaled down with Pillow so the folder stays a few hundred KB. Odd PNGs (every colour type and bit depth,
palettes with and without tRNS, Adam7 interlacing) are written by the small PNG encoder below, because Pillow
cannot write most of them; odd JPEGs (grey, 4:4:4/4:2:2/4:2:0, progressive, CMYK, EXIF-rotated, extraneous
bytes) by Pillow. Broken files: empty, not an image, truncated, bad CRC, corrupt scan data, headers claiming
huge sizes.

References (Fixtures/images/reference/), all computed by the real libraries:
- decoded.json: per decodable file, Pillow's Image.open(f).convert("RGB") and .convert("L") as size and
  FNV-1a 64 digests of the bytes (row-major HWC), plus a few sample pixels. 16-bit grey PNGs are the one place
  Strata differs from Pillow on purpose (Pillow's convert clips them at 255; Strata keeps the high byte): their
  entry holds Pillow's 16-bit array shifted right by 8, and "pillow_convert" records what Pillow's convert gives.
- resize.json: Pillow Image.resize of resize-source.png (RGB and its convert("L")) for every filter, sizes up
  and down, with and without a box; and of astronaut.jpg to 224x224 and torchvision Resize(256) sizes.
- presets.json: keras.applications.imagenet_utils.preprocess_input (caffe, tf, torch) of
  keras.utils.load_img(preset-source.png) [run in .venv-keras], and torchvision Resize/CenterCrop/ToTensor/
  Normalize of the same file, as float32 values.

Requires scikit-image (Tools/requirements.txt), Pillow, torch/torchvision (system python3) and the Keras venv
(Tools/keras/setup-venv.sh, run here when needed).
"""
import io
import json
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
from testlib import ROOT
OUT = os.path.join(ROOT, "Fixtures", "images")
REF = os.path.join(OUT, "reference")

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}


def fnv1a64(data):
    """FNV-1a, 64-bit: the digest the Swift tests compute over the same bytes."""
    h = 0xCBF29CE484222325
    for b in bytes(data):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def digest(array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return {"height": int(array.shape[0]), "width": int(array.shape[1]),
            "channels": 1 if array.ndim == 2 else int(array.shape[2]), "fnv1a64": fnv1a64(array.tobytes())}


def samples(array):
    """A few (y, x, values) pixels spread over the image, for readable failures."""
    h, w = array.shape[:2]
    points = [(0, 0), (h - 1, w - 1), (h // 2, w // 3), (h // 3, w - 1), (h - 1, 0)]
    return [[y, x, np.atleast_1d(array[y, x]).astype(int).tolist()] for y, x in points]


# ---------------------------------------------------------------------------------------------
# A minimal PNG encoder: any colour type and bit depth, optional palette/tRNS/gAMA, Adam7.

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_row(samples_, bit_depth):
    if bit_depth == 8:
        return bytes(int(s) for s in samples_)
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples_)
    per = 8 // bit_depth
    out = bytearray()
    for i in range(0, len(samples_), per):
        group = list(samples_[i:i + per])
        acc = 0
        for s in group:
            acc = (acc << bit_depth) | int(s)
        acc <<= bit_depth * (per - len(group))
        out.append(acc)
    return bytes(out)


def encode_png(pixels, bit_depth, colour_type, palette=None, trns=None, interlace=False, gamma=None):
    """pixels: array (H, W, channels) of sample values for the colour type."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    height, width, channels = pixels.shape
    assert channels == CHANNELS[colour_type]
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = pixels[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in sub:
                raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    else:
        for row in pixels:
            raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 1 if interlace else 0))
    if gamma is not None:
        data += chunk(b"gAMA", struct.pack(">I", gamma))
    if palette is not None:
        data += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    data += chunk(b"IEND", b"")
    return data


# ---------------------------------------------------------------------------------------------


def photographs():
    import skimage.data as data

    def resized(array, width, height):
        return Image.fromarray(array).resize((width, height), Image.Resampling.LANCZOS)

    files = {}
    files["astronaut.jpg"] = ("JPEG", Image.fromarray(data.astronaut()), {"quality": 85})
    files["chelsea.png"] = ("PNG", resized(data.chelsea(), 226, 150), {})
    files["coffee.jpg"] = ("JPEG", Image.fromarray(data.coffee()), {"quality": 85})
    files["coffee-progressive.jpg"] = ("JPEG", resized(data.coffee(), 300, 200), {"quality": 85, "progressive": True})
    files["camera.png"] = ("PNG", resized(data.camera(), 255, 255), {})
    files["rocket.jpg"] = ("JPEG", Image.fromarray(data.rocket()), {"quality": 80})
    files["portrait.jpg"] = ("JPEG", Image.fromarray(data.astronaut()[:, 130:370]), {"quality": 85})
    for name, (kind, image, options) in files.items():
        image.save(os.path.join(OUT, name), kind, **options)
    return data


def odd_pngs(source_rgb):
    """Every PNG colour type and bit depth, made from a small crop of a photograph."""
    rgb = source_rgb.astype(np.int64)
    grey = np.asarray(Image.fromarray(source_rgb).convert("L")).astype(np.int64)
    h, w = grey.shape
    ramp = (np.arange(h * w).reshape(h, w) * 37) % 256
    alpha = ramp.astype(np.int64)
    files = {}
    for bits in (1, 2, 4, 8):
        files[f"grey-{bits}.png"] = encode_png(grey >> (8 - bits), bits, 0)
    # 16-bit samples with the full range: high byte from the photo, low byte varying.
    grey16 = grey * 256 + ramp
    files["grey-16.png"] = encode_png(grey16, 16, 0)
    files["grey-trns.png"] = encode_png(grey, 8, 0, trns=struct.pack(">H", int(grey[0, 0])))
    files["grey-alpha-8.png"] = encode_png(np.dstack([grey, alpha]), 8, 4)
    files["grey-alpha-16.png"] = encode_png(np.dstack([grey16, alpha * 257]), 16, 4)
    files["rgb-8.png"] = encode_png(rgb, 8, 2)
    files["rgb-16.png"] = encode_png(rgb * 256 + ramp[:, :, None], 16, 2)
    files["rgb-trns.png"] = encode_png(rgb, 8, 2, trns=struct.pack(">HHH", *[int(v) for v in rgb[0, 0]]))
    files["rgb-gamma.png"] = encode_png(rgb, 8, 2, gamma=100000)
    files["rgba-8.png"] = encode_png(np.dstack([rgb, alpha]), 8, 6)
    files["rgba-16.png"] = encode_png(np.dstack([rgb * 257, alpha * 257]), 16, 6)
    files["rgb-8-interlaced.png"] = encode_png(rgb, 8, 2, interlace=True)
    files["grey-4-interlaced.png"] = encode_png(grey >> 4, 4, 0, interlace=True)
    files["rgba-16-interlaced.png"] = encode_png(np.dstack([rgb * 257, alpha * 257]), 16, 6, interlace=True)
    # Palettes: the image quantised by Pillow, written at each bit depth that holds its indices.
    for bits in (1, 2, 4, 8):
        quantised = Image.fromarray(source_rgb).quantize(colors=2 ** bits)
        indices = np.asarray(quantised).astype(np.int64)
        palette = np.asarray(quantised.getpalette()[: 3 * 2 ** bits]).reshape(-1, 3)
        files[f"palette-{bits}.png"] = encode_png(indices, bits, 3, palette=palette)
        if bits == 2:
            files["palette-2-interlaced.png"] = encode_png(indices, bits, 3, palette=palette, interlace=True)
        if bits == 8:
            trns = bytes((np.arange(256) * 5 % 256).astype(np.uint8))[: len(palette)]
            files["palette-trns.png"] = encode_png(indices, bits, 3, palette=palette, trns=trns)
            # A palette shorter than the indices used: Pillow and libpng show such pixels black.
            files["palette-short.png"] = encode_png(indices, bits, 3, palette=palette[:100])
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


def odd_jpegs(source_rgb):
    image = Image.fromarray(source_rgb)
    image.convert("L").save(os.path.join(OUT, "grey.jpg"), quality=90)
    image.save(os.path.join(OUT, "rgb-420.jpg"), quality=90, subsampling=2)
    image.save(os.path.join(OUT, "rgb-422.jpg"), quality=90, subsampling=1)
    image.save(os.path.join(OUT, "rgb-444.jpg"), quality=90, subsampling=0)
    image.save(os.path.join(OUT, "progressive.jpg"), quality=90, progressive=True)
    image.convert("CMYK").save(os.path.join(OUT, "cmyk.jpg"), quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise (ignored by Pillow's open and by Strata)
    image.save(os.path.join(OUT, "exif-rotated.jpg"), quality=90, exif=exif)
    # Bytes between two header segments: libjpeg warns "extraneous bytes before marker" and skips them
    # (Pillow's parser skips them too); the image is intact.
    data = open(os.path.join(OUT, "rgb-420.jpg"), "rb").read()
    assert data[2:4] == b"\xff\xe0"  # JFIF APP0 right after SOI
    after_app0 = 4 + struct.unpack(">H", data[4:6])[0]
    with open(os.path.join(OUT, "extraneous.jpg"), "wb") as f:
        f.write(data[:after_app0] + b"\x00\x01\x02\x03" + data[after_app0:])


def broken_files():
    def write(name, data):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)

    write("empty.png", b"")
    write("not-an-image.png", b"This is a text file with an image name.\n")
    png = open(os.path.join(OUT, "rgb-8.png"), "rb").read()
    write("truncated.png", png[: len(png) * 2 // 3])
    idat = png.index(b"IDAT") + 8
    write("corrupt-crc.png", png[:idat + 40] + bytes([png[idat + 40] ^ 0x55]) + png[idat + 41:])
    jpeg = open(os.path.join(OUT, "rgb-444.jpg"), "rb").read()
    write("truncated.jpg", jpeg[: len(jpeg) * 3 // 5])
    # Scan data overwritten with bytes that decode to an invalid Huffman code.
    scan = jpeg.index(b"\xff\xda")
    middle = scan + (len(jpeg) - scan) // 2
    write("corrupt.jpg", jpeg[:middle] + b"\xff\xd7" + jpeg[middle + 2:])
    # Headers claiming more than Strata's limits (65535 a side, 2^28 pixels), with little data.
    write("huge.png", encode_png(np.zeros((1, 1), dtype=np.int64), 8, 0).replace(
        struct.pack(">II", 1, 1), struct.pack(">II", 100000, 100000), 1))
    write("huge-side.png", encode_png(np.zeros((1, 1), dtype=np.int64), 8, 0).replace(
        struct.pack(">II", 1, 1), struct.pack(">II", 70000, 1), 1))
    small = io.BytesIO()
    Image.new("L", (8, 8)).save(small, "JPEG")
    jpeg = small.getvalue()
    sof = jpeg.index(b"\xff\xc0")
    write("huge.jpg", jpeg[: sof + 5] + struct.pack(">HH", 60000, 60000) + jpeg[sof + 9:])


def pillow_references(names):
    entries = {}
    for name in names:
        path = os.path.join(OUT, name)
        with Image.open(path) as image:
            image.load()
            entry = {"pillow_mode": image.mode}
            if image.mode == "I;16":
                high = (np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8)
                rgb = np.dstack([high] * 3)
                grey = high
                entry["pillow_convert"] = {"rgb": digest(np.asarray(image.convert("RGB"))),
                                           "grey": digest(np.asarray(image.convert("L")))}
            else:
                rgb = np.asarray(image.convert("RGB"))
                grey = np.asarray(image.convert("L"))
        entry["rgb"] = digest(rgb)
        entry["rgb"]["samples"] = samples(rgb)
        entry["grey"] = digest(grey)
        entry["grey"]["samples"] = samples(grey)
        entries[name] = entry
    return entries


def resize_references():
    source = Image.open(os.path.join(OUT, "resize-source.png")).convert("RGB")
    # (60, 10), (48, 20): more than twice as many rows lost as columns, so Pillow 13 runs the vertical pass
    # first; (47, 20) just not.
    sizes = [(24, 18), (13, 9), (90, 70), (61, 20), (30, 47), (122, 94), (7, 100), (1, 1), (200, 3), (60, 10), (48, 20),
             (47, 20)]
    boxes = [((5.5, 3.25, 50.75, 40.0), (20, 15)), ((0.0, 0.0, 61.0, 47.0), (61, 47)), ((10, 10, 34, 28), (24, 18)),
             ((2.75, 1.5, 60.0, 45.5), (120, 90)), ((0.25, 0.0, 61.0, 47.0), (61, 47)),
             # Pillow decides the pass order on the whole image's sizes, not the box's: horizontal first here.
             ((0.0, 0.0, 30.0, 47.0), (25, 10))]
    cases = []
    for mode in ("RGB", "L"):
        image = source.convert(mode)
        for filter_name, resample in FILTERS.items():
            for size in sizes:
                out = np.asarray(image.resize(size, resample))
                cases.append({"source": "resize-source.png", "mode": mode, "filter": filter_name, "width": size[0],
                              "height": size[1], "box": None, **digest(out)})
            for box, size in boxes:
                out = np.asarray(image.resize(size, resample, box=box))
                cases.append({"source": "resize-source.png", "mode": mode, "filter": filter_name, "width": size[0],
                              "height": size[1], "box": list(box), **digest(out)})
    # Photograph scale: a square and a portrait photo to a network's 224x224, and torchvision's Resize(256) sizes.
    for name in ("astronaut.jpg", "portrait.jpg"):
        photo = Image.open(os.path.join(OUT, name)).convert("RGB")
        for filter_name, resample in FILTERS.items():
            out = np.asarray(photo.resize((224, 224), resample))
            cases.append({"source": name, "mode": "RGB", "filter": filter_name, "width": 224, "height": 224,
                          "box": None, **digest(out)})
    for name in ("rocket.jpg", "coffee.jpg", "chelsea.png", "portrait.jpg"):
        photo = Image.open(os.path.join(OUT, name)).convert("RGB")
        w, h = photo.size
        short, long = min(w, h), max(w, h)
        new_long = int(256 * long / short)
        size = (256, new_long) if w <= h else (new_long, 256)
        out = np.asarray(photo.resize(size, Image.Resampling.BILINEAR))
        cases.append({"source": name, "mode": "RGB", "filter": "bilinear", "width": size[0], "height": size[1],
                      "box": None, **digest(out)})
    return cases


KERAS_SCRIPT = r"""
import json, sys
import numpy as np
import keras
from keras.applications import imagenet_utils
path = sys.argv[1]
out = {}
for mode in ("caffe", "tf", "torch"):
    x = keras.utils.img_to_array(keras.utils.load_img(path))[None]
    y = imagenet_utils.preprocess_input(x.copy(), data_format="channels_last", mode=mode)
    out[mode] = {"shape": list(y.shape), "dtype": str(y.dtype), "values": [float(v) for v in y.reshape(-1)]}
# load_img's nearest stretch to a smaller and a larger size, and its keep_aspect_ratio crop.
for key, size, keep in (("load_img_5x7", (5, 7), False), ("load_img_11x13", (11, 13), False),
                        ("load_img_keep_aspect_4x4", (4, 4), True)):
    x = keras.utils.img_to_array(keras.utils.load_img(path, target_size=size, keep_aspect_ratio=keep))
    out[key] = {"shape": list(x.shape), "dtype": str(x.dtype), "values": [float(v) for v in x.reshape(-1)]}
print(json.dumps(out))
"""


def keras_references(path):
    setup = subprocess.run(["bash", os.path.join(HERE, "keras", "setup-venv.sh")], capture_output=True, text=True)
    if setup.returncode != 0:
        sys.exit("setup-venv.sh failed:\n" + setup.stderr)
    python = setup.stdout.strip().splitlines()[-1]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    result = subprocess.run([python, "-c", KERAS_SCRIPT, path], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit("Keras reference failed:\n" + result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def torchvision_references(path):
    import torch
    from torchvision import transforms

    image = Image.open(path).convert("RGB")
    normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    out = {}
    pipelines = {
        # No resampling: the arithmetic alone.
        "to_tensor_normalize": transforms.Compose([transforms.ToTensor(), normalize]),
        # Shorter side 8 (bilinear, antialiased), centre crop 7x7, as the torchvision preset at 7x7 would
        # be with Resize(8).
        "resize8_crop7": transforms.Compose([transforms.Resize(8), transforms.CenterCrop(7), transforms.ToTensor(), normalize]),
        # A crop larger than the image: zero padding.
        "crop_pad_9x15": transforms.Compose([transforms.CenterCrop((9, 15)), transforms.ToTensor()]),
    }
    with torch.no_grad():
        for key, pipeline in pipelines.items():
            y = pipeline(image)
            out[key] = {"shape": list(y.shape), "dtype": str(y.dtype).replace("torch.", ""),
                        "values": [float(v) for v in y.reshape(-1)]}
    return out


def main():
    os.makedirs(REF, exist_ok=True)
    data = photographs()
    crop = data.astronaut()[120:143, 190:227]  # 37x23: odd sizes, not a multiple of JPEG blocks
    odd_pngs(crop)
    odd_jpegs(crop)
    broken_files()
    Image.fromarray(data.chelsea()[100:147, 200:261]).save(os.path.join(OUT, "resize-source.png"))  # 61x47
    Image.fromarray(data.coffee()[150:157, 300:309]).save(os.path.join(OUT, "preset-source.png"))  # 9x7

    decodable = sorted(n for n in os.listdir(OUT) if n.endswith((".png", ".jpg")) and n not in {
        "empty.png", "not-an-image.png", "truncated.png", "corrupt-crc.png", "truncated.jpg", "corrupt.jpg",
        "huge.png", "huge-side.png", "huge.jpg"})
    with open(os.path.join(REF, "decoded.json"), "w") as f:
        json.dump(pillow_references(decodable), f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(REF, "resize.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(case) for case in resize_references()) + "\n]\n")
    preset_source = os.path.join(OUT, "preset-source.png")
    presets = {"source": "preset-source.png", "keras": keras_references(preset_source),
               "torchvision": torchvision_references(preset_source)}
    with open(os.path.join(REF, "presets.json"), "w") as f:
        json.dump(presets, f)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(dp, n)) for dp, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {len(os.listdir(OUT)) - 1} images and 3 reference files to {OUT} ({total // 1024} KB)")


if __name__ == "__main__":
    main()
