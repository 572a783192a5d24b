"""What an uploaded file is, judged by its content, never by its name.

A document's file must be a PDF: its first bytes say so (``%PDF-``) and pypdf can
read its pages. A photo must be a JPEG, PNG or WebP image that Pillow can decode,
within a size and a pixel count (a small file that would unpack to gigabytes, a
"decompression bomb", is refused before it is decoded). Each check answers with
what is wrong, naming the file and the cap.

The name a file is stored under is made here too, from random letters and the
extension of the type found: the uploader's file name is never used.
"""

import codecs
import re
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image, UnidentifiedImageError
from pypdf import PdfReader

PDF = "application/pdf"
#: Pillow's name of each accepted image format -> (content type, extension).
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
IMAGE_TYPES = tuple(content_type for content_type, _ext in IMAGE_FORMATS.values())
#: What visitors and editors read for each stored type.
TYPE_NAMES = {
    PDF: "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/webp": "WebP image",
}

#: The first bytes of kinds of file often sent by mistake, for the messages.
SIGNATURES = (
    (b"%PDF-", "a PDF file"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or OpenDocument file)"),
    (b"\xd0\xcf\x11\xe0", "an older Word or Excel file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document"),
)


STORED_NAME = re.compile(r"(documents|photos)/[0-9a-f]{32}\.(pdf|jpg|png|webp)")


def stored_name(folder, extension):
    """A new name for a stored file: random, with the extension of its type."""
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


def shown_name(upload):
    name = (getattr(upload, "name", "") or "the file").rsplit("/", 1)[-1]
    return name if len(name) <= 80 else name[:79] + "…"


def looks_like(head):
    """What the first bytes of a file suggest it is, in plain words."""
    if not head:
        return "it is empty"
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return f"it looks like {kind}"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "it looks like a WebP image"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")):
        return "it looks like an SVG or XML file"
    if text.startswith((b"<!doctype html", b"<html")):
        return "it looks like a web page"
    try:
        # Not final: the 1,024 bytes read may end inside a character.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        text = "\x00"  # not text
    if any(ord(char) < 32 and char not in "\t\r\n\f" for char in text):
        return "its content is of another kind"
    return "it looks like text"


def starts_with(head):
    """The file's first characters, or its first bytes in hexadecimal when they
    are not printable."""
    shown = ""
    for byte in head[:12]:
        if not 32 <= byte < 127:
            break
        shown += chr(byte)
    if len(shown) >= 2:
        return f"it starts with “{shown}”"
    return "its first bytes are " + " ".join(f"{byte:02X}" for byte in head[:4])


def read_head(upload, size=1024):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def check_size(upload, cap, what):
    if not upload.size:
        raise ValidationError(
            "“%(name)s” is empty.", code="empty", params={"name": shown_name(upload)}
        )
    if upload.size > cap:
        raise ValidationError(
            "“%(name)s” is %(size)s: %(what)s may be at most %(cap)s.",
            code="too_large",
            params={
                "name": shown_name(upload),
                "size": filesizeformat(upload.size),
                "what": what,
                "cap": filesizeformat(cap),
            },
        )


@dataclass(frozen=True)
class Found:
    """What a file turned out to be."""

    content_type: str
    extension: str
    size: int
    pages: int = 0
    width: int = 0
    height: int = 0


def inspect_pdf(upload):
    """The PDF ``upload`` is, or a ValidationError saying why it is not one."""
    check_size(upload, settings.MEDIA_PDF_MAX_BYTES, "a PDF file")
    name = shown_name(upload)
    head = read_head(upload)
    if not head.startswith(b"%PDF-"):
        raise ValidationError(
            "“%(name)s” is not a PDF file: %(kind)s (%(start)s). Upload the PDF "
            "itself, whatever the file's name says.",
            code="not_pdf",
            params={"name": name, "kind": looks_like(head), "start": starts_with(head)},
        )
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                "“%(name)s” is protected by a password: visitors could not open it. "
                "Upload a copy without the password.",
                code="pdf_password",
                params={"name": name},
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on a broken file
        raise ValidationError(
            "“%(name)s” starts as a PDF file does but is damaged: its pages could "
            "not be read (%(error)s).",
            code="pdf_damaged",
            params={"name": name, "error": str(exc)[:200] or type(exc).__name__},
        ) from exc
    finally:
        upload.seek(0)
    if pages == 0:
        raise ValidationError(
            "“%(name)s” is a PDF file without any page.",
            code="pdf_empty",
            params={"name": name},
        )
    return Found(PDF, "pdf", upload.size, pages=pages)


def megapixels(pixels):
    return f"{pixels / 1_000_000:,.0f} megapixels"


#: EXIF orientations that turn the picture a quarter (width and height swap).
QUARTER_TURNS = {5, 6, 7, 8}


def inspect_image(upload):
    """The JPEG, PNG or WebP image ``upload`` is, or a ValidationError saying why
    it is not one; its width and height as shown (after its EXIF orientation)."""
    check_size(upload, settings.MEDIA_IMAGE_MAX_BYTES, "a photo")
    name = shown_name(upload)
    cap = settings.MEDIA_IMAGE_MAX_PIXELS
    accepted = "photos must be JPEG, PNG or WebP images"
    too_many_pixels = ValidationError(
        "“%(name)s” has too many pixels (%(found)s): a photo may have at most "
        "%(cap)s. Scale it down and upload it again.",
        code="too_many_pixels",
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Over Pillow's own limit, a warning; over twice that, an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        too_many_pixels.params = {
            "name": name,
            "found": f"over {megapixels(Image.MAX_IMAGE_PIXELS)}",
            "cap": megapixels(cap),
        }
        raise too_many_pixels from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        head = read_head(upload)
        raise ValidationError(
            "“%(name)s” is not an image this site can show: %(kind)s "
            "(%(start)s); %(accepted)s.",
            code="not_image",
            params={
                "name": name,
                "kind": looks_like(head),
                "start": starts_with(head),
                "accepted": accepted,
            },
        ) from exc
    with image:
        if image.format not in IMAGE_FORMATS:
            raise ValidationError(
                "“%(name)s” is a %(format)s image: %(accepted)s.",
                code="image_format",
                params={"name": name, "format": image.format, "accepted": accepted},
            )
        width, height = image.size
        if width * height > cap:
            too_many_pixels.params = {
                "name": name,
                "found": f"{width:,} × {height:,}, {megapixels(width * height)}",
                "cap": megapixels(cap),
            }
            raise too_many_pixels
        image_format = image.format
        try:
            orientation = image.getexif().get(ExifTags.Base.Orientation)
            image.load()  # decodes every pixel: a damaged file fails here
        except Exception as exc:  # Pillow's decoders raise several kinds
            raise ValidationError(
                "“%(name)s” is a %(format)s image but is damaged or incomplete: it "
                "could not be decoded (%(error)s).",
                code="image_damaged",
                params={
                    "name": name,
                    "format": image_format,
                    "error": str(exc)[:200] or type(exc).__name__,
                },
            ) from exc
        finally:
            upload.seek(0)
    if orientation in QUARTER_TURNS:
        width, height = height, width
    content_type, extension = IMAGE_FORMATS[image_format]
    return Found(content_type, extension, upload.size, width=width, height=height)


def is_stored_name(name):
    """Whether ``name`` is one :func:`stored_name` made."""
    return STORED_NAME.fullmatch(name) is not None
