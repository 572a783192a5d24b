"""The media library in a real Chromium: an editor uploads a photo and a PDF
through the admin's forms, publishes them and sees them on the public pages; axe
finds nothing on the library's pages; the meeting form with a photo still fits
a laptop screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dialogue.models import Document, DocumentFile, Meeting, Photo
from tests.browser.conftest import browser_marks
from tests.browser.reports import check_axe
from tests.browser.test_editor import FOURTH, browser, log_in  # noqa: F401
from tests.media_files import image_bytes, pdf_bytes

pytestmark = browser_marks

STATEMENT = "joint-statement-2004"


def pick(page, field, name, content, mime):
    page.locator(f'input[name="{field}"]').set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )


@pytest.fixture
def editor(migration_data, site, django_user_model):
    """A staff user in the Editors group, who logs in as test_editor's does."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "steward", "steward@example.org", "a-long-pass-phrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.usefixtures("editor")
def test_an_editor_uploads_a_photo_and_a_pdf_and_visitors_see_them(
    migration_data, site, page
):
    log_in(page, site)

    # A photo, through the library's form: a draft until published.
    response = page.goto(site.url + reverse("admin:dialogue_photo_add"))
    assert check_axe(page, "admin-photo-add", response.status) == []
    page.get_by_label("Meeting").select_option(
        label=str(Meeting.objects.get(slug=FOURTH))
    )
    pick(
        page,
        "image",
        "IMG_2012.JPG",
        image_bytes("JPEG", (1600, 1000), gps=True),
        "image/jpeg",
    )
    page.get_by_label("Text alternative").fill("Ministers around the table in Tokyo")
    page.get_by_label("Credit").fill("Ministry of Foreign Affairs of Japan")
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    photo = Photo.objects.get()
    assert photo.image.name.endswith(".jpg") and "IMG" not in photo.image.name

    # A file that is not a PDF is refused, saying so.
    page.goto(site.url + reverse("admin:dialogue_documentfile_add"))
    page.locator("#id_document").select_option(
        label=str(Document.objects.get(slug=STATEMENT))
    )
    pick(page, "file", "statement.pdf", b"Not a PDF at all", "application/pdf")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".errorlist")).to_contain_text(
        "“statement.pdf” is not a PDF file: it looks like text"
    )
    assert check_axe(page, "admin-documentfile-error") == []
    pick(page, "file", "statement.pdf", pdf_bytes(pages=3), "application/pdf")
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The library's lists.
    response = page.goto(site.url + reverse("admin:dialogue_photo_changelist"))
    expect(page.locator("#result_list img.thumbnail")).to_have_count(1)
    assert check_axe(page, "admin-photo-list", response.status) == []
    response = page.goto(site.url + reverse("admin:dialogue_documentfile_changelist"))
    expect(page.locator("#result_list")).to_contain_text("PDF, ")
    assert check_axe(page, "admin-documentfile-list", response.status) == []
    response = page.goto(
        site.url + reverse("admin:dialogue_photo_change", args=[photo.pk])
    )
    assert check_axe(page, "admin-photo-change", response.status) == []

    # Visitors see both.
    visitor = page.context.browser.new_context()
    public = visitor.new_page()
    public.goto(site.url + Meeting.objects.get(slug=FOURTH).get_absolute_url())
    image = public.get_by_role("img", name="Ministers around the table in Tokyo")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    # The browser chose one of the renditions, and it loaded.
    chosen = public.evaluate(
        "() => [document.querySelector('.photo img').currentSrc,"
        " document.querySelector('.photo img').complete]"
    )
    assert re.search(r"/photos/\d+/[0-9a-f]{32}-(480|960|1600)\.webp$", chosen[0])
    assert chosen[1] is True
    expect(public.locator(".photo figcaption")).to_contain_text(
        "Photo: Ministry of Foreign Affairs of Japan"
    )
    public.goto(site.url + Document.objects.get(slug=STATEMENT).get_absolute_url())
    link = public.get_by_role("link", name="Full text")
    expect(public.locator(".files li")).to_contain_text(
        re.compile(r"\(PDF, [\d.]+\s(KB|bytes), 3 pages\)")
    )
    record = DocumentFile.objects.get()
    assert link.get_attribute("href") == record.get_absolute_url()
    visitor.close()


@pytest.mark.usefixtures("editor")
def test_the_meeting_form_with_a_photo_fits_a_laptop_and_passes_axe(
    migration_data, site, page
):
    from tests.browser.pages import add_files_and_photos

    add_files_and_photos()
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, site)
    meeting = Meeting.objects.get(slug=FOURTH)
    response = page.goto(
        site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk])
    )
    expect(page.locator("#photos-group img.thumbnail")).to_have_count(1)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # The meeting form's own fields are not the library's: its photos are.
    assert (
        check_axe(page, "admin-meeting-photos", response.status, "#photos-group") == []
    )
    document = Document.objects.get(slug=STATEMENT)
    response = page.goto(
        site.url + reverse("admin:dialogue_document_change", args=[document.pk])
    )
    expect(page.locator("#files-group")).to_contain_text("PDF, ")
    assert (
        check_axe(page, "admin-document-files", response.status, "#files-group") == []
    )
