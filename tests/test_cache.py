"""The public pages' cache: served from the shared cache, never stale, never personal.

These tests use a cache shared between processes (Django's file-based cache in a
temporary folder; Redis in production and in tests/test_two_servers.py) and run
outside a wrapping transaction, as a server does: the page cache is off inside a
transaction and with a cache local to one process.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date

from dialogue import cache as content
from dialogue.csv.dataset import export_dataset, import_dataset
from dialogue.middleware import NONCE_PLACEHOLDER, PageCacheMiddleware
from dialogue.models import Meeting
from tests.factories import make_meeting, make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visitor():
    return Client()


@pytest.fixture
def staff():
    user = User.objects.create_superuser("chief", "chief@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def meeting_change_form(meeting, **overrides):
    """The POST data of the meeting change form, leaving its inlines as they are."""
    data = {
        "title": meeting.title,
        "kind": meeting.kind,
        "number": meeting.number or "",
        "status": meeting.status,
        "start_date": meeting.start.isoformat(),
        "end_date": "",
        "city": meeting.city,
        "host": meeting.host_id or "",
        "format": meeting.format,
        "summary": meeting.summary,
        "outcomes": meeting.outcomes,
        "slug": meeting.slug,
        "published": "on" if meeting.published else "",
    }
    for prefix in ("attendances", "pledges"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


MEETINGS = reverse("dialogue:meeting-list")


def test_a_second_visit_is_served_from_the_cache_without_sql(
    shared_cache, seed, visitor, django_assert_num_queries
):
    first = visitor.get(MEETINGS)
    assert "4th Foreign Ministers" in first.content.decode()
    with django_assert_num_queries(0):
        second = visitor.get(MEETINGS)
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["ETag"].startswith('W/"')
    assert second["Cache-Control"] == "no-cache"
    assert "Cookie" in second["Vary"]
    # The headers added outside the cache are on the cached copy too.
    assert second["X-Frame-Options"] == "DENY"
    assert second["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in second["Content-Security-Policy"]


def test_an_editors_save_is_seen_on_the_next_request(
    shared_cache, seed, visitor, staff
):
    meeting = make_meeting(title="Working meeting on water")
    assert "Working meeting on water" in visitor.get(MEETINGS).content.decode()
    response = staff.post(
        admin_url(Meeting, "change", meeting.pk),
        meeting_change_form(meeting, title="Working meeting on energy"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = visitor.get(MEETINGS).content.decode()
    assert "Working meeting on energy" in page
    assert "Working meeting on water" not in page
    detail = visitor.get(meeting.get_absolute_url()).content.decode()
    assert "<h1>Working meeting on energy</h1>" in detail


def test_unpublish_publish_and_delete_are_seen_on_the_next_request(
    shared_cache, seed, visitor, staff
):
    meeting = make_meeting(title="Expert meeting on transport")
    url = meeting.get_absolute_url()
    assert visitor.get(url).status_code == 200
    assert "Expert meeting on transport" in visitor.get(MEETINGS).content.decode()

    staff.post(
        admin_url(Meeting, "changelist"),
        {"action": "unpublish", "_selected_action": [meeting.pk]},
    )
    assert visitor.get(url).status_code == 404
    assert "Expert meeting on transport" not in visitor.get(MEETINGS).content.decode()

    staff.post(
        admin_url(Meeting, "changelist"),
        {"action": "publish", "_selected_action": [meeting.pk]},
    )
    assert visitor.get(url).status_code == 200
    assert "Expert meeting on transport" in visitor.get(MEETINGS).content.decode()

    staff.post(admin_url(Meeting, "delete", meeting.pk), {"post": "yes"})
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert visitor.get(url).status_code == 404
    assert "Expert meeting on transport" not in visitor.get(MEETINGS).content.decode()


def test_a_change_to_a_list_of_sources_is_seen_on_the_next_request(
    shared_cache, seed, visitor
):
    meeting = Meeting.objects.get(slug="2012-11-10-foreign-ministers-4")
    source = make_source(title="Annual report on the Dialogue")
    url = meeting.get_absolute_url()
    assert "Annual report on the Dialogue" not in visitor.get(url).content.decode()
    meeting.sources.add(source)
    assert "Annual report on the Dialogue" in visitor.get(url).content.decode()
    meeting.sources.remove(source)
    assert "Annual report on the Dialogue" not in visitor.get(url).content.decode()


def test_a_csv_import_is_seen_on_the_next_request(
    shared_cache, seed, visitor, tmp_path
):
    """The import writes in bulk, without model signals, and still bumps."""
    assert "Business forum in Almaty" not in visitor.get(MEETINGS).content.decode()
    export_dataset(tmp_path)
    meetings_csv = tmp_path / "meetings.csv"
    text = meetings_csv.read_text(encoding="utf-8")
    header = text.splitlines()[0].removeprefix("\ufeff").split(",")
    row = dict.fromkeys(header, "")
    row.update(
        slug="2015-05-05-business-dialogue",
        kind="business_dialogue",
        title="Business forum in Almaty",
        status="held",
        start_date="2015-05-05",
        city="Almaty",
        host="KZ",
        format="in_person",
    )
    meetings_csv.write_text(
        text + ",".join(row[column] for column in header) + "\r\n", encoding="utf-8"
    )
    report = import_dataset(tmp_path)
    assert not report.failed, [str(p) for f in report.files for p in f.problems]
    assert "Business forum in Almaty" in visitor.get(MEETINGS).content.decode()


def test_a_fixture_load_is_seen_on_the_next_request(shared_cache, db, visitor):
    assert "4th Foreign Ministers" not in visitor.get(MEETINGS).content.decode()
    call_command("loaddata", "seed", verbosity=0)
    assert "4th Foreign Ministers" in visitor.get(MEETINGS).content.decode()


def test_a_lost_version_is_replaced_and_old_pages_are_never_found(
    shared_cache, seed, visitor
):
    visitor.get(MEETINGS)
    Meeting.objects.filter(kind="foreign_ministers").update(title="Renamed quietly")
    # A cache restart or eviction loses the version, not necessarily the pages.
    cache.delete(content.VERSION_KEY)
    assert "Renamed quietly" in visitor.get(MEETINGS).content.decode()


def test_conditional_get_answers_304_until_something_changes(
    shared_cache, seed, visitor
):
    first = visitor.get(MEETINGS)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    again = visitor.get(MEETINGS, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    make_meeting(title="Intellectual dialogue in Tashkent")
    changed = visitor.get(MEETINGS, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Intellectual dialogue in Tashkent" in changed.content.decode()
    assert changed["ETag"] != etag
    # A copy dated the second of the last change, or before it, is not current.
    stale = visitor.get(MEETINGS, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert stale.status_code == 200
    version = content.content_version()
    later = http_date(int(content.changed_at(version)) + 2)
    assert visitor.get(MEETINGS, HTTP_IF_MODIFIED_SINCE=later).status_code == 304


def test_signed_in_staff_are_never_served_nor_stored(
    shared_cache, seed, visitor, staff, django_assert_num_queries
):
    draft = make_meeting(title="Planned summit", published=False)
    url = draft.get_absolute_url()
    preview = staff.get(url)
    assert "Draft — not public." in preview.content.decode()
    assert "private" in preview["Cache-Control"]
    assert visitor.get(url).status_code == 404
    # A published page seen by staff is marked private and is not what a visitor
    # then gets from the cache.
    staff_view = staff.get(MEETINGS)
    assert staff_view["Cache-Control"] == "private"
    assert "Cookie" in staff_view["Vary"]
    assert "ETag" not in staff_view
    visitor.get(MEETINGS)
    with django_assert_num_queries(0):
        cached = visitor.get(MEETINGS)
    assert "Planned summit" not in cached.content.decode()
    # And staff are not served the visitors' copy.
    assert "ETag" not in staff.get(MEETINGS)


def test_each_response_gets_its_own_csp_nonce(shared_cache, seed, visitor):
    home = reverse("dialogue:home")
    pattern = r'<script type="application/ld\+json" nonce="([A-Za-z0-9+/=]{24})">'
    nonces = {re.search(pattern, visitor.get(home).content.decode())[1] for _ in "ab"}
    assert len(nonces) == 2
    stored = cache.get(content.page_key("http://testserver" + home))
    assert stored["version"] == content.content_version()
    assert NONCE_PLACEHOLDER in stored["body"]
    assert not any(nonce.encode() in stored["body"] for nonce in nonces)


def test_responses_that_set_cookies_or_are_private_are_not_stored(shared_cache):
    middleware = PageCacheMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    with_cookie = HttpResponse("token")
    with_cookie.set_cookie("csrftoken", "secret")
    private = HttpResponse("draft")
    private["Cache-Control"] = "private, no-store"
    language = HttpResponse("bonjour")
    language["Vary"] = "Accept-Language"
    assert middleware.may_store(request, HttpResponse("page"))
    assert not middleware.may_store(request, with_cookie)
    assert not middleware.may_store(request, private)
    assert not middleware.may_store(request, language)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert not middleware.may_store(request, HttpResponse("form"))


def test_the_page_cache_is_off_with_a_cache_local_to_one_process(
    settings, seed, visitor
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    visitor.get(MEETINGS)
    with CaptureQueriesContext(connection) as captured:
        response = visitor.get(MEETINGS)
    assert len(captured.captured_queries) > 0
    assert "ETag" not in response


def test_import_uploads_wait_in_the_shared_cache(shared_cache):
    storage = content.import_storage(encoding="utf-8-sig", read_mode="r")
    assert isinstance(storage, content.SharedImportStorage)
    storage.save(b"slug,title\r\n")
    assert content.import_storage(name=storage.name).read() == b"slug,title\r\n"
    storage.remove()
    with pytest.raises(FileNotFoundError):
        content.import_storage(name=storage.name).read()
    with pytest.raises(FileNotFoundError):
        content.import_storage(name="../../etc/passwd").read()


def test_import_uploads_stay_on_disk_with_a_local_cache(settings):
    from import_export.tmp_storages import TempFolderStorage

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    assert isinstance(content.import_storage(), TempFolderStorage)


def test_static_files_have_hashed_names_immutable_caching_gzip_and_brotli(
    settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.templatetags.static import static

    url = static("css/site.css")
    hashed = url.rsplit("/", 1)[1]
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", hashed)
    folder = settings.STATIC_ROOT / "css"
    assert (folder / (hashed + ".gz")).exists()
    assert (folder / (hashed + ".br")).exists()

    client = Client()
    brotli = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert brotli["Content-Encoding"] == "br"
    assert brotli["Cache-Control"] == "max-age=315360000, public, immutable"
    gzip = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert gzip["Content-Encoding"] == "gzip"
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    assert b"".join(plain.streaming_content).decode().strip()
    # The unhashed name is served too, but only briefly cached.
    unhashed = client.get(settings.STATIC_URL + "css/site.css")
    assert "immutable" not in unhashed["Cache-Control"]


class CountingCache:
    """The shared cache, noting every key read."""

    def __init__(self, real):
        self.real, self.reads = real, []

    def get(self, key, *args, **kwargs):
        self.reads.append(key)
        return self.real.get(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_page_served_again_costs_one_small_read_and_the_probes_none(
    shared_cache, seed, visitor, monkeypatch
):
    counting = CountingCache(caches["default"])
    monkeypatch.setattr(content, "cache", counting)
    key = content.page_key("http://testserver" + MEETINGS)
    visitor.get(MEETINGS)
    counting.reads.clear()
    with CaptureQueriesContext(connection) as captured:
        assert "4th Foreign Ministers" in visitor.get(MEETINGS).content.decode()
    assert captured.captured_queries == []
    assert counting.reads == [content.VERSION_KEY]  # the page: this process's copy
    # Another worker has no copy: it reads the page from the shared cache.
    content.recent_pages.entries.clear()
    counting.reads.clear()
    with CaptureQueriesContext(connection) as captured:
        assert "4th Foreign Ministers" in visitor.get(MEETINGS).content.decode()
    assert captured.captured_queries == []
    assert counting.reads == [content.VERSION_KEY, key]
    counting.reads.clear()
    assert visitor.get(reverse("healthz")).json() == {"status": "ok"}
    assert visitor.get(reverse("readyz")).json()["status"] == "ok"
    assert counting.reads == []


def test_recent_pages_keep_within_their_size_and_only_the_current_version():
    recent = content.RecentPages(max_bytes=10)
    recent.put("a", {"version": "1", "body": b"12345"})
    recent.put("b", {"version": "1", "body": b"12345"})
    assert recent.get("a", "1")["body"] == b"12345"  # now the most recent
    recent.put("c", {"version": "1", "body": b"123"})
    assert recent.get("b", "1") is None  # the least recently used went first
    assert recent.get("a", "1")["body"] == b"12345"
    assert recent.get("a", "2") is None
    recent.put("huge", {"version": "1", "body": b"x" * 11})
    assert recent.get("huge", "1") is None
    assert recent.size == 8


def test_the_redis_cache_keeps_one_client_per_connection_pool():
    from capj.redis_cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:1/0", {})
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    assert client.connection_pool is backend._cache._get_connection_pool(False)
