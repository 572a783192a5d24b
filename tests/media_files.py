"""Real files for the media library's tests, made here: PDF files with pypdf,
images with Pillow (with a GPS position and an EXIF orientation when asked), and
an image whose header claims more pixels than it holds."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

#: A GPS position (the Ministry of Foreign Affairs, Tokyo) for EXIF.
GPS = {1: "N", 2: (35.0, 40.0, 25.0), 3: "E", 4: (139.0, 45.0, 0.0)}
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def pdf_bytes(pages=1):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(
    image_format="JPEG",
    size=(1200, 800),
    *,
    gps=False,
    orientation=None,
    mode="RGB",
):
    """An image with a gradient (so that it compresses as a photo does)."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = gradient.convert(mode)
    if mode == "RGBA":
        image.putalpha(gradient)  # transparent at the top
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = GPS
        exif[0x010F] = "Camera maker"
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if (gps or orientation) else {}
    image.save(out, image_format, **options)
    return out.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width, height):
    """A small PNG file whose header says ``width`` × ``height`` pixels: decoded,
    it would fill gigabytes (a "decompression bomb")."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
