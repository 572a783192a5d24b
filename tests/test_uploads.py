"""Uploads judged by their content: what is accepted, what is refused and in which
words, the names files are stored under, and the photos' renditions."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from dialogue import renditions, uploads
from dialogue.models import DocumentFile, Photo
from tests.factories import make_document, make_meeting
from tests.media_files import (
    GPS_IFD,
    image_bytes,
    pdf_bytes,
    png_claiming,
    upload,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def file_errors(record):
    """The messages a form would show under the record's file field."""
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    errors = refused.value.message_dict
    # Sizes are written with a no-break space (Django's filesizeformat).
    return [
        str(message).replace("\xa0", " ")
        for message in errors.get(record.file_field, [])
    ]


def document_file(name, content):
    return DocumentFile(document=make_document(), file=upload(name, content))


def photo(name, content, **fields):
    fields.setdefault("alt_text", "The ministers")
    fields.setdefault("credit", "MOFA")
    return Photo(meeting=make_meeting(), image=upload(name, content), **fields)


# PDF files


def test_a_pdf_is_accepted_with_its_type_size_and_pages_and_a_name_of_its_own():
    content = pdf_bytes(pages=3)
    record = document_file("../../etc/Joint statement.PDF", content)
    record.full_clean()
    record.save()
    assert (record.content_type, record.size, record.pages) == (
        "application/pdf",
        len(content),
        3,
    )
    assert uploads.is_stored_name(record.file.name)
    assert record.file.name.startswith("documents/")
    assert "Joint" not in record.file.name and "etc" not in record.file.name
    with default_storage.open(record.file.name, "rb") as stored:
        assert stored.read() == content


def test_a_text_file_named_pdf_is_refused_saying_what_it_is():
    record = document_file("statement.pdf", b"Joint Statement of the Ministers\n")
    assert file_errors(record) == [
        "“statement.pdf” is not a PDF file: it looks like text (it starts with "
        "“Joint Statem”). Upload the PDF itself, whatever the file's name says."
    ]


def test_unprintable_first_bytes_are_shown_in_hexadecimal():
    record = document_file("data.pdf", b"\x00\x01\x02\x03\x04")
    assert file_errors(record) == [
        "“data.pdf” is not a PDF file: its content is of another kind (its first "
        "bytes are 00 01 02 03). Upload the PDF itself, whatever the file's name "
        "says."
    ]


def test_a_windows_program_named_pdf_is_refused():
    record = document_file("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60)
    assert file_errors(record) == [
        "“report.pdf” is not a PDF file: it looks like a Windows program (it "
        "starts with “MZ”). Upload the PDF itself, whatever the file's name says."
    ]


def test_a_png_image_named_pdf_is_refused_as_an_image():
    record = document_file("scan.pdf", image_bytes("PNG", (10, 10)))
    [message] = file_errors(record)
    assert "“scan.pdf” is not a PDF file: it looks like a PNG image" in message


def test_a_file_that_starts_as_a_pdf_but_is_broken_is_refused():
    record = document_file("broken.pdf", b"%PDF-1.7\n" + b"garbage " * 50)
    [message] = file_errors(record)
    assert message.startswith(
        "“broken.pdf” starts as a PDF file does but is damaged: its pages could "
        "not be read ("
    )


def test_an_empty_file_is_refused():
    record = document_file("empty.pdf", b"")
    assert file_errors(record) == ["“empty.pdf” is empty."]


def test_a_pdf_over_the_cap_is_refused_naming_the_cap(settings):
    settings.MEDIA_PDF_MAX_BYTES = 2 * MB
    record = document_file("big.pdf", pdf_bytes() + b"%" * (2 * MB))
    [message] = file_errors(record)
    assert message == "“big.pdf” is 2.0 MB: a PDF file may be at most 2.0 MB."


def test_the_pdf_cap_is_20_mb_by_default():
    from django.conf import settings

    assert settings.MEDIA_PDF_MAX_BYTES == 20 * MB


def test_a_save_without_a_form_checks_the_content_too():
    record = document_file("notes.pdf", b"plain notes")
    with pytest.raises(ValidationError, match="is not a PDF file"):
        record.save()
    assert not DocumentFile.objects.exists()


# Photos


def test_a_png_named_jpg_is_stored_as_a_png_under_a_new_name():
    record = photo("holiday.jpg", image_bytes("PNG", (800, 600)))
    record.full_clean()
    record.save()
    assert record.content_type == "image/png"
    assert record.image.name.startswith("photos/")
    assert record.image.name.endswith(".png")
    assert "holiday" not in record.image.name
    assert (record.width, record.height) == (800, 600)
    assert record.type_name == "PNG image"


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_jpeg_png_and_webp_are_accepted(image_format, content_type):
    record = photo("x.img", image_bytes(image_format, (300, 200)))
    record.full_clean()
    assert record.content_type == content_type


def test_a_gif_is_refused_even_named_jpg():
    record = photo("animation.jpg", image_bytes("GIF", (50, 50), mode="P"))
    assert file_errors(record) == [
        "“animation.jpg” is a GIF image: photos must be JPEG, PNG or WebP images."
    ]


def test_an_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    record = photo("logo.png", svg)
    assert file_errors(record) == [
        "“logo.png” is not an image this site can show: it looks like an SVG or "
        'XML file (it starts with “<svg xmlns="”); photos must be JPEG, PNG or '
        "WebP images."
    ]


def test_a_truncated_jpeg_is_refused_as_damaged():
    content = image_bytes("JPEG", (800, 600))
    record = photo("cut.jpg", content[: len(content) // 2])
    [message] = file_errors(record)
    assert message.startswith(
        "“cut.jpg” is a JPEG image but is damaged or incomplete: it could not be "
        "decoded ("
    )


def test_a_photo_over_the_size_cap_is_refused_naming_the_cap(settings):
    settings.MEDIA_IMAGE_MAX_BYTES = 100 * 1024
    content = image_bytes("PNG", (600, 600)) + b"\x00" * (100 * 1024)
    record = photo("huge.png", content)
    [message] = file_errors(record)
    assert message.endswith("a photo may be at most 100.0 KB.")
    assert message.startswith("“huge.png” is ")


def test_the_photo_caps_by_default():
    from django.conf import settings

    assert settings.MEDIA_IMAGE_MAX_BYTES == 15 * MB
    assert settings.MEDIA_IMAGE_MAX_PIXELS == 40_000_000


def test_a_decompression_bomb_over_our_cap_is_refused_before_it_is_decoded():
    content = png_claiming(10_000, 8_000)  # 80 megapixels in a few hundred bytes
    assert len(content) < 1000
    record = photo("small.png", content)
    assert file_errors(record) == [
        "“small.png” has too many pixels (10,000 × 8,000, 80 megapixels): a photo "
        "may have at most 40 megapixels. Scale it down and upload it again."
    ]


def test_a_decompression_bomb_over_pillows_own_limit_is_refused():
    record = photo("bomb.png", png_claiming(50_000, 50_000))
    [message] = file_errors(record)
    assert message.startswith("“bomb.png” has too many pixels (over ")
    assert message.endswith(
        "a photo may have at most 40 megapixels. Scale it down and upload it again."
    )


def test_alt_text_and_credit_are_required():
    record = photo("p.jpg", image_bytes(), alt_text="", credit="")
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    errors = refused.value.message_dict
    assert errors["alt_text"] == ["This field cannot be blank."]
    assert errors["credit"] == ["This field cannot be blank."]


def test_the_database_refuses_a_photo_without_alt_text():
    from django.db import IntegrityError, transaction

    record = photo("p.jpg", image_bytes())
    record.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.filter(pk=record.pk).update(alt_text="")


# Renditions


def open_rendition(rendition):
    with default_storage.open(rendition["name"], "rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def test_renditions_are_made_at_three_widths_as_webp():
    record = photo("big.jpg", image_bytes("JPEG", (3000, 2000)))
    record.save()
    assert [(r["width"], r["height"]) for r in record.renditions] == [
        (480, 320),
        (960, 640),
        (1600, 1067),
    ]
    for rendition in record.renditions:
        image = open_rendition(rendition)
        assert image.format == "WEBP"
        assert image.size == (rendition["width"], rendition["height"])
        assert rendition["size"] == default_storage.size(rendition["name"])


def test_a_small_photo_is_never_enlarged():
    record = photo("small.jpg", image_bytes("JPEG", (700, 500)))
    record.save()
    assert [(r["width"], r["height"]) for r in record.renditions] == [
        (480, 343),
        (700, 500),
    ]
    tiny = photo("tiny.jpg", image_bytes("JPEG", (300, 200)))
    tiny.save()
    assert [(r["width"], r["height"]) for r in tiny.renditions] == [(300, 200)]


def test_renditions_have_no_gps_position_nor_any_exif():
    content = image_bytes("JPEG", (1200, 800), gps=True)
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(GPS_IFD)  # it has one
    record = photo("gps.jpg", content)
    record.save()
    for rendition in record.renditions:
        image = open_rendition(rendition)
        assert len(image.getexif()) == 0
        assert "exif" not in image.info and "xmp" not in image.info


def test_renditions_are_turned_upright_by_the_exif_orientation():
    # Stored 1200 x 800, to be shown turned a quarter: 800 x 1200.
    record = photo("turned.jpg", image_bytes("JPEG", (1200, 800), orientation=6))
    record.save()
    assert (record.width, record.height) == (800, 1200)
    assert [(r["width"], r["height"]) for r in record.renditions] == [
        (480, 720),
        (800, 1200),
    ]


def test_a_transparent_png_keeps_its_transparency():
    record = photo("logo.png", image_bytes("PNG", (600, 400), mode="RGBA"))
    record.save()
    assert open_rendition(record.renditions[0]).mode == "RGBA"


def test_rendition_widths():
    assert renditions.widths_for(4000) == [480, 960, 1600]
    assert renditions.widths_for(1600) == [480, 960, 1600]
    assert renditions.widths_for(1000) == [480, 960, 1000]
    assert renditions.widths_for(480) == [480]
    assert renditions.widths_for(10) == [10]
