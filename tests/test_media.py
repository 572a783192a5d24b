"""The media library as visitors and editors meet it: files and photos on the
document and meeting pages, who may fetch them, the headers they come with, the
admin's uploads, their history, and where they are stored."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from dialogue.models import Document, DocumentFile, Meeting, Photo
from dialogue.revisions import revert_record
from tests.factories import (
    make_document,
    make_document_file,
    make_meeting,
    make_photo,
)
from tests.media_files import image_bytes, pdf_bytes, upload
from tests.test_settings import PRODUCTION_ENV, run_python
from tests.text import page_text

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def text_of(response):
    """The page's text, spaces (no-break ones too) and tags collapsed."""
    html = re.sub(r"<[^>]+>", " ", page_text(response))
    return re.sub(r"\s+", " ", html.replace("\xa0", " "))


# What visitors see


def test_a_public_documents_file_is_listed_with_type_size_and_pages(client):
    document = make_document(slug="joint-statement-2004")
    record = make_document_file(
        document, content=pdf_bytes(pages=2), title="Joint Statement", language="ja"
    )
    response = client.get(document.get_absolute_url())
    html = page_text(response)
    assert (
        f'<a href="/files/{record.pk}/joint-statement-2004-joint-statement-ja.pdf" '
        'type="application/pdf" hreflang="ja">Joint Statement (Japanese)</a>'
    ) in html
    size = filesizeformat(record.size).replace("\xa0", " ")
    assert f"(PDF, {size}, 2 pages)" in text_of(response)


def test_a_draft_file_of_a_public_document_is_not_listed(client):
    document = make_document()
    make_document_file(document, title="Annex", published=False)
    assert "Annex" not in text_of(client.get(document.get_absolute_url()))
    assert "Files" not in text_of(client.get(document.get_absolute_url()))


def test_a_public_meetings_photos_are_shown_with_renditions_alt_text_and_credit(
    client,
):
    meeting = make_meeting()
    photo = make_photo(
        meeting,
        content=image_bytes("JPEG", (2000, 1000)),
        alt_text="Five ministers shaking hands",
        credit="MOFA Japan",
        caption="After the joint statement.",
    )
    response = client.get(meeting.get_absolute_url())
    html = page_text(response)
    stem = photo.stem.rsplit("/", 1)[-1]
    base = f"/photos/{photo.pk}/{stem}"
    assert (
        f'<img src="{base}-960.webp" srcset="{base}-480.webp 480w, '
        f'{base}-960.webp 960w, {base}-1600.webp 1600w" '
        'sizes="(min-width: 40rem) 20rem, 100vw" width="1600" height="800" '
        'alt="Five ministers shaking hands" loading="lazy" decoding="async">'
    ) in html
    shown = filesizeformat(photo.renditions[-1]["size"]).replace("\xa0", " ")
    assert (
        "After the joint statement. Photo: MOFA Japan Full size (WebP image, "
        f"1600 × 800 pixels, {shown})"
    ) in text_of(response)
    # Each size the page names can be fetched.
    for size in photo.sizes:
        fetched = client.get(size["url"])
        assert fetched.status_code == 200
        assert fetched["Content-Type"] == "image/webp"


def test_photos_of_a_draft_meeting_are_never_public(client):
    meeting = make_meeting(published=False)
    photo = make_photo(meeting)  # its own flag says published
    assert not Photo.objects.public().filter(pk=photo.pk).exists()
    assert client.get(photo.sizes[0]["url"]).status_code == 404


# Who may fetch a file


def test_a_draft_documents_file_is_a_404_for_visitors_and_shown_to_staff(
    editor_client,
):
    document = make_document(published=False)
    record = make_document_file(document)
    url = record.get_absolute_url()
    assert not DocumentFile.objects.public().filter(pk=record.pk).exists()
    assert Client().get(url).status_code == 404
    response = editor_client.get(url)
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content)
        == default_storage.open(record.file.name).read()
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_a_draft_file_of_a_public_document_is_a_404_for_visitors(client):
    record = make_document_file(make_document(), published=False)
    assert client.get(record.get_absolute_url()).status_code == 404


def test_a_file_leaves_the_site_when_its_document_is_unpublished(client):
    document = make_document()
    record = make_document_file(document)
    assert client.get(record.get_absolute_url()).status_code == 200
    document.published = False
    document.save()
    assert client.get(record.get_absolute_url()).status_code == 404
    assert "Files" not in text_of(client.get(reverse("dialogue:document-list")))


def test_a_public_file_comes_with_its_type_a_safe_name_and_no_sniffing(client):
    document = make_document(slug="joint-statement-2004")
    record = make_document_file(document, title="Texte “final” <2004>", language="")
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        'inline; filename="joint-statement-2004-texte-final-2004.pdf"'
    )
    assert response["Cache-Control"] == "no-cache"
    assert int(response["Content-Length"]) == record.size
    again = client.get(record.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_an_old_file_name_leads_to_the_current_one(client):
    document = make_document(slug="old-slug")
    record = make_document_file(document, title="", language="")
    old = record.get_absolute_url()
    document.slug = "new-slug"
    document.save()
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == f"/files/{record.pk}/new-slug.pdf"


def test_a_rendition_is_kept_by_browsers_and_no_shared_cache(client):
    photo = make_photo(make_meeting())
    response = client.get(photo.sizes[0]["url"])
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_rendition_is_a_404(client):
    photo = make_photo(make_meeting())
    url = reverse("dialogue:photo-rendition", args=[photo.pk, "x-480.webp"])
    assert client.get(url).status_code == 404


def test_the_original_with_its_camera_data_is_for_staff_only(editor_client):
    photo = make_photo(make_meeting(), content=image_bytes(gps=True))
    url = reverse("dialogue:photo-original", args=[photo.pk])
    assert Client().get(url).status_code == 404
    response = editor_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]


def test_saving_or_deleting_a_file_refreshes_the_cached_document_page(settings):
    from dialogue import cache

    before = cache.content_version()
    document = make_document()
    record = make_document_file(document)
    after_save = cache.content_version()
    assert after_save != before
    record.delete()
    assert cache.content_version() != after_save


# The admin


@pytest.fixture
def document_with_form(db):
    return make_document(slug="joint-statement-2004")


def inline_management(prefix, total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def document_file_post(document, name, content, **fields):
    return {
        "document": str(document.pk),
        "file": upload(name, content),
        "title": "Full text",
        "language": "en",
        "publish_at_0": "",
        "publish_at_1": "",
        "unpublish_at_0": "",
        "unpublish_at_1": "",
        **fields,
    }


def test_an_editor_uploads_a_pdf_in_the_media_library(editor_client):
    client = Client()
    document = make_document(slug="joint-statement-2004")
    response = editor_client.post(
        admin_url(DocumentFile, "add"),
        document_file_post(document, "Statement.pdf", pdf_bytes(pages=4)),
        follow=True,
    )
    assert response.status_code == 200
    record = DocumentFile.objects.get()
    assert "was added successfully" in text_of(response)
    assert (record.pages, record.content_type, record.published) == (
        4,
        "application/pdf",
        False,
    )
    assert "Statement" not in record.file.name
    # A draft: not on the page until it is published.
    assert "Full text" not in text_of(client.get(document.get_absolute_url()))
    record.published = True
    record.save()
    assert "Full text (English)" in text_of(client.get(document.get_absolute_url()))


def test_the_admin_refuses_a_renamed_text_file_and_says_why(editor_client):
    document = make_document()
    response = editor_client.post(
        admin_url(DocumentFile, "add"),
        document_file_post(document, "minutes.pdf", b"Minutes of the meeting"),
    )
    assert response.status_code == 200
    assert (
        "“minutes.pdf” is not a PDF file: it looks like text (it starts with "
        "“Minutes of t”). Upload the PDF itself, whatever the file's name says."
    ) in text_of(response)
    assert not DocumentFile.objects.exists()


def test_an_editor_adds_a_photo_on_the_meeting_form(editor_client):
    client = Client()
    meeting = make_meeting(title="4th Foreign Ministers' Meeting")
    change = admin_url(Meeting, "change", meeting.pk)
    form = editor_client.get(change).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    data.update(
        {
            "title": meeting.title,
            "kind": meeting.kind,
            "status": meeting.status,
            "start_date": "2012-11-10",
            "end_date": "",
            "city": meeting.city,
            "format": "",
            "slug": meeting.slug,
            "published": "on",
            "publish_at_0": "",
            "publish_at_1": "",
            "unpublish_at_0": "",
            "unpublish_at_1": "",
            **inline_management("attendances", total=0),
            **inline_management("pledges", total=0),
            **inline_management("photos"),
            "photos-0-image": upload("IMG_0001.JPG", image_bytes(gps=True)),
            "photos-0-alt_text": "The ministers at the table",
            "photos-0-credit": "MOFA Japan",
            "photos-0-caption": "",
            "photos-0-published": "on",
        }
    )
    data = {key: value for key, value in data.items() if key != "host"}
    response = editor_client.post(change, data)
    assert response.status_code == 302, text_of(response)[-3000:]
    photo = Photo.objects.get()
    assert photo.image.name.startswith("photos/") and "IMG" not in photo.image.name
    assert "The ministers at the table" in page_text(
        client.get(meeting.get_absolute_url())
    )


def test_a_photo_without_alt_text_or_credit_is_refused_by_the_form(editor_client):
    meeting = make_meeting()
    response = editor_client.post(
        admin_url(Photo, "add"),
        {
            "meeting": str(meeting.pk),
            "image": upload("p.png", image_bytes("PNG", (200, 100))),
            "alt_text": "",
            "credit": "",
            "caption": "",
            "publish_at_0": "",
            "publish_at_1": "",
            "unpublish_at_0": "",
            "unpublish_at_1": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["alt_text"] == ["This field is required."]
    assert errors["credit"] == ["This field is required."]
    assert not Photo.objects.exists()


def test_the_photo_library_lists_thumbnails_and_finds_by_alt_text(editor_client):
    photo = make_photo(make_meeting(), alt_text="Ministers in Tokyo")
    make_photo(make_meeting(), alt_text="Delegates in Astana")
    response = editor_client.get(admin_url(Photo, "changelist") + "?q=tokyo")
    html = page_text(response)
    assert "Ministers in Tokyo" in html
    assert "Delegates in Astana" not in html
    assert f'<img src="{photo.sizes[0]["url"]}" width="120" height="80" alt=""' in html


def test_the_file_widget_links_to_the_sites_address_not_the_storage(editor_client):
    record = make_document_file(make_document())
    response = editor_client.get(admin_url(DocumentFile, "change", record.pk))
    html = page_text(response)
    assert f'<a href="{record.get_absolute_url()}">PDF, ' in html
    assert "/media/" not in html
    assert 'accept="application/pdf,.pdf"' in html


def test_a_request_larger_than_the_media_cap_is_refused_naming_it(
    editor_client, settings
):
    settings.FILE_UPLOAD_MAX_SIZE = 512 * 1024
    settings.MEDIA_UPLOAD_MAX_BYTES = 1024 * 1024
    document = make_document()
    response = editor_client.post(
        admin_url(DocumentFile, "add"),
        document_file_post(document, "big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024)),
    )
    assert response.status_code == 400
    assert (
        "The upload is too large: one save may send at most 1 MB of files (a PDF "
        "file at most 20 MB, a photo at most 15 MB): add fewer at a time."
    ) in text_of(response)


def test_a_pdf_over_10_mb_reaches_the_form_on_the_media_pages(editor_client, settings):
    """The request cap of other pages (FILE_UPLOAD_MAX_SIZE) is raised here, so a
    file within the PDF cap is not refused by it."""
    settings.FILE_UPLOAD_MAX_SIZE = 1024 * 1024
    document = make_document()
    content = pdf_bytes() + b"%" * (1024 * 1024)
    response = editor_client.post(
        admin_url(DocumentFile, "add"),
        document_file_post(document, "long.pdf", content),
    )
    assert response.status_code == 302
    assert DocumentFile.objects.get().size == len(content)


def test_editors_may_add_change_and_delete_files_and_photos(editor):
    for model in ("documentfile", "photo"):
        for action in ("add", "change", "view", "delete"):
            assert editor.has_perm(f"dialogue.{action}_{model}")


# History


def test_reverting_a_document_brings_back_its_file_and_keeps_the_stored_file(
    editor_client, editor
):
    document = make_document()
    record = make_document_file(document)
    name = record.file.name
    data = {
        "title": "Changed",
        "slug": document.slug,
        "kind": document.kind,
        "date": "2004-08-28",
        "published": "on",
        "publish_at_0": "",
        "publish_at_1": "",
        "unpublish_at_0": "",
        "unpublish_at_1": "",
        **inline_management("points", total=0),
        **inline_management("files", total=1, initial=1),
        "files-0-id": str(record.pk),
        "files-0-document": str(document.pk),
        "files-0-title": "Full text",
        "files-0-language": "en",
        "files-0-published": "on",
        "files-0-DELETE": "on",
    }
    response = editor_client.post(admin_url(Document, "change", document.pk), data)
    assert response.status_code == 302, text_of(response)[-2000:]
    assert not DocumentFile.objects.exists()
    assert default_storage.exists(name)  # deleting the record keeps the file
    baseline = (
        Version.objects.get_for_object(document).order_by("revision__date_created")
    ).first()
    revert_record(baseline)
    restored = DocumentFile.objects.get(pk=record.pk)
    assert restored.file.name == name
    assert Client().get(restored.get_absolute_url()).status_code == 200


def test_a_photos_history_page_opens(editor_client):
    photo = make_photo(make_meeting())
    response = editor_client.get(admin_url(Photo, "history", photo.pk))
    assert response.status_code == 200


# Storage

STORAGE_FACTS = """
import json
from django.conf import settings
from django.core.files.storage import default_storage, storages
backend = settings.STORAGES["default"]["BACKEND"]
s3 = backend.endswith("S3Storage")
print(json.dumps({
    "backend": backend,
    "storage_class": type(storages["default"]).__name__,
    "bucket": settings.STORAGES["default"].get("OPTIONS", {}).get("bucket_name"),
    "redirect": settings.MEDIA_SERVE_BY_REDIRECT,
    "img_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
    "url": default_storage.url("photos/x.webp") if s3 else "",
}))
"""


def load_settings(expect_error=False, **env):
    """What the production settings choose for files, with ``env`` added."""
    import json

    result = run_python(STORAGE_FACTS, {**PRODUCTION_ENV, **env})
    if expect_error:
        assert result.returncode != 0
        return result.stderr
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_files_are_stored_on_the_filesystem_in_tests(settings):
    from django.core.files.storage import FileSystemStorage

    record = make_document_file(make_document())
    assert isinstance(record.file.storage, FileSystemStorage)
    assert (settings.MEDIA_ROOT / record.file.name).is_file()


def test_production_stores_files_in_s3_when_a_bucket_is_named():
    found = load_settings(
        DJANGO_MEDIA_S3_BUCKET="capj-media",
        DJANGO_MEDIA_S3_REGION="eu-central-1",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="example-secret",
    )
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["storage_class"] == "S3Storage"
    assert found["bucket"] == "capj-media"
    assert found["redirect"] is True
    assert found["img_src"] == [
        "'self'",
        "https://capj-media.s3.eu-central-1.amazonaws.com",
    ]
    # A signed address, made without any network access.
    assert found["url"].startswith(
        "https://capj-media.s3.eu-central-1.amazonaws.com/photos/x.webp?"
    )
    assert "X-Amz-Signature=" in found["url"]
    assert "X-Amz-Expires=600" in found["url"]


def test_production_uses_another_providers_endpoint_with_the_bucket_in_the_path():
    found = load_settings(
        DJANGO_MEDIA_S3_BUCKET="capj-media",
        DJANGO_MEDIA_S3_ENDPOINT_URL="https://objects.example.net",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="example-secret",
    )
    assert found["img_src"] == ["'self'", "https://objects.example.net"]
    assert found["url"].startswith("https://objects.example.net/capj-media/photos/")


def test_production_keeps_files_on_the_filesystem_without_a_bucket():
    found = load_settings()
    assert found["backend"] == "django.core.files.storage.FileSystemStorage"
    assert found["redirect"] is False
    assert found["img_src"] == ["'self'"]


def test_a_bucket_without_a_region_or_endpoint_stops_start_up():
    result = load_settings(DJANGO_MEDIA_S3_BUCKET="capj-media", expect_error=True)
    assert "DJANGO_MEDIA_S3_REGION (e.g. eu-central-1) is required with" in result


def test_with_object_storage_visitors_are_sent_to_a_signed_address(
    client, settings, monkeypatch
):
    record = make_document_file(make_document(slug="js"), title="", language="")
    settings.MEDIA_SERVE_BY_REDIRECT = True
    calls = []

    def signed_url(name, parameters=None):
        calls.append((name, parameters))
        return f"https://bucket.example.net/{name}?X-Amz-Signature=abc"

    monkeypatch.setattr(default_storage, "url", signed_url)
    response = client.get(record.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == (
        f"https://bucket.example.net/{record.file.name}?X-Amz-Signature=abc"
    )
    assert calls == [
        (
            record.file.name,
            {
                "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": 'inline; filename="js.pdf"',
            },
        )
    ]
    assert response["Cache-Control"] == "private, max-age=60"


def test_users_without_view_permission_get_no_drafts(client):
    user = User.objects.create_user("staffer", password="pw", is_staff=True)
    client.force_login(user)
    record = make_document_file(make_document(published=False))
    assert client.get(record.get_absolute_url()).status_code == 404


def test_the_editors_home_counts_draft_files_and_photos(editor_client):
    make_document_file(make_document(), published=False)
    make_photo(make_meeting(), published=False)
    make_photo(make_meeting(), published=False)
    text = text_of(editor_client.get(reverse("admin:index")))
    assert "1 document file not published" in text
    assert "2 photos not published" in text
