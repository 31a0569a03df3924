#!/usr/bin/env python3
"""Checks that picture files open: PNG with Pillow (decoded in full), SVG as XML with an <svg> root and a
size, PDF by its header, cross-reference table, page count and end marker.

    python3 Tools/check-pictures.py PATH...     # files, or folders searched for *.png *.svg *.pdf

Prints one line per file and exits 1 if any file fails. The Swift render tests write every picture
they draw to $STRATA_PICTURES_OUT when it is set, so a Tools test can run

    STRATA_PICTURES_OUT=out/pictures swift test --filter StrataRenderTests
    python3 Tools/check-pictures.py out/pictures
"""
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

from PIL import Image


def check_png(path):
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        image.load()
        if image.format != "PNG" or image.width < 1 or image.height < 1:
            raise ValueError(f"format {image.format}, size {image.size}")
        return f"PNG {image.width}×{image.height} {image.mode}"


def check_svg(path):
    root = ElementTree.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise ValueError(f"root element is {root.tag}")
    width, height = root.get("width"), root.get("height")
    if not width or not height:
        raise ValueError("no width/height")
    return f"SVG {width}×{height}, {sum(1 for _ in root.iter())} elements"


def check_pdf(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"%PDF-1."):
        raise ValueError("no %PDF-1.x header")
    if not data.rstrip().endswith(b"%%EOF"):
        raise ValueError("no %%EOF at the end")
    match = re.search(rb"startxref\s+(\d+)", data)
    if not match or not data[int(match.group(1)):].startswith(b"xref"):
        raise ValueError("startxref does not point at a cross-reference table")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    if pages != 1:
        raise ValueError(f"{pages} pages")
    box = re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data)
    return f"PDF 1 page, MediaBox [{box.group(1).decode().strip() if box else '?'}]"


CHECKS = {".png": check_png, ".svg": check_svg, ".pdf": check_pdf}


def files(paths):
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in sorted(os.walk(path)):
                for name in sorted(names):
                    if os.path.splitext(name)[1].lower() in CHECKS:
                        yield os.path.join(folder, name)
        else:
            yield path


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    failures = checked = 0
    for path in files(argv):
        checked += 1
        check = CHECKS.get(os.path.splitext(path)[1].lower())
        try:
            if check is None:
                raise ValueError("not a .png, .svg or .pdf file")
            print(f"ok    {path}: {check(path)}")
        except Exception as error:  # any failure to open is what this script reports
            failures += 1
            print(f"FAIL  {path}: {error}")
    print(f"{checked - failures} of {checked} pictures open")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
