"""The public pages' cache: served from the shared cache, never stale, never personal.

These tests use a cache shared between processes (Django's file-based cache in a
temporary folder; Redis below, in production and in tests/test_two_servers.py) and
run outside a wrapping transaction, as a server does: the page cache is off inside
a transaction and with a cache local to one process.
"""

import contextlib
import re
import threading
from pathlib import Path
from unittest import mock

import pytest
import redis
from csp.constants import NONCE
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from dialogue import cache as content
from dialogue import views
from dialogue.csv.dataset import export_dataset, import_dataset
from dialogue.models import Meeting
from dialogue.page_cache import (
    FetchFromCacheMiddleware,
    UpdateCacheMiddleware,
    page_key,
)
from tests.factories import make_meeting, make_source
from tests.servers import redis_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_cache(settings, tmp_path):
    """The folder of a file-based cache, which every process could share."""
    folder = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
        }
    }
    cache.clear()
    yield folder
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
    for prefix in ("attendances", "pledges", "photos"):
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
FOURTH = "2012-11-10-foreign-ministers-4"
JSON_LD_NONCE = r'<script type="application/ld\+json" nonce="([A-Za-z0-9+/=]{24})">'


def stored_key(path):
    """The page cache's key of a visitor's request for ``path`` on the test server."""
    request = RequestFactory().get(path)
    return page_key(request, resolve(request.path_info).func.page_cache_query)


def stored_pages(folder):
    """How many entries the file-based cache holds."""
    return len(list(Path(folder).glob("*.djcache")))


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
    # Browsers and CDNs ask again every time (and get a 304 while nothing changed).
    assert second["Cache-Control"] == "no-cache"
    assert "Expires" not in second
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
        published="true",
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


def test_a_migration_is_seen_on_the_next_request(shared_cache, seed, visitor):
    """Data migrations write without model signals; post_migrate still bumps."""
    assert "4th Foreign Ministers" in visitor.get(MEETINGS).content.decode()
    Meeting.objects.filter(slug=FOURTH).update(title="Renamed by a data migration")
    # Written without signals, so not seen yet: the page comes from the cache.
    assert "Renamed by a data migration" not in visitor.get(MEETINGS).content.decode()
    call_command("migrate", verbosity=0)
    assert "Renamed by a data migration" in visitor.get(MEETINGS).content.decode()


def test_a_lost_version_is_replaced_and_old_pages_are_never_found(
    shared_cache, seed, visitor
):
    visitor.get(MEETINGS)
    Meeting.objects.filter(kind="foreign_ministers").update(title="Renamed quietly")
    # A cache restart or eviction loses the version, not necessarily the pages.
    cache.delete(content.VERSION_KEY)
    assert "Renamed quietly" in visitor.get(MEETINGS).content.decode()


def served_by_another_worker(path, page_before):
    """``path`` as another worker serves it now: a visitor's request through the
    whole middleware in a thread of its own, with its own database connection,
    which sees only what is committed.

    On PostgreSQL the view reads the database. SQLite's in-memory test database
    lets no second connection read a table while a transaction writes to it, so
    there the view answers ``page_before``, the page rendered before the write:
    what that worker reads.
    """
    if connection.vendor == "sqlite":
        stand_in = mock.patch.object(
            views.MeetingDetailView,
            "get",
            lambda view, request, *args, **kwargs: HttpResponse(page_before),
        )
    else:
        stand_in = contextlib.nullcontext()
    served = {}

    def visit():
        try:
            served["page"] = Client().get(path).content.decode()
        finally:
            connection.close()

    with stand_in:
        worker = threading.Thread(target=visit)
        worker.start()
        worker.join()
    return served["page"]


def test_a_page_rendered_while_a_write_is_uncommitted_is_not_served_after_it(
    shared_cache, seed, visitor
):
    """A write in a transaction bumps the version at once and again on commit. A
    page another worker renders in between shows the data before the commit, and
    is filed under the first bump's version: only the second bump makes it stale."""
    meeting = Meeting.objects.get(slug=FOURTH)
    url = meeting.get_absolute_url()
    before = visitor.get(url).content.decode()
    assert "<h1>4th Foreign Ministers" in before
    with transaction.atomic():
        meeting.title = "Renamed in a transaction"
        meeting.save()
        elsewhere = served_by_another_worker(url, before)
        assert "<h1>4th Foreign Ministers" in elsewhere
        assert "Renamed in a transaction" not in elsewhere
    assert "<h1>Renamed in a transaction" in visitor.get(url).content.decode()


def test_conditional_get_answers_304_until_something_changes(
    shared_cache, seed, visitor
):
    first = visitor.get(MEETINGS)
    etag = first["ETag"]
    again = visitor.get(MEETINGS, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "no-cache"
    # No policy on a 304: the browser keeps the one that came with its copy.
    assert "Content-Security-Policy" not in again

    make_meeting(title="Intellectual dialogue in Tashkent")
    changed = visitor.get(MEETINGS, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Intellectual dialogue in Tashkent" in changed.content.decode()
    assert changed["ETag"] != etag
    assert visitor.get(MEETINGS, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_a_page_with_a_nonce_answers_304_though_each_copy_has_its_own_nonce(
    shared_cache, seed, visitor
):
    home = reverse("dialogue:home")
    first = visitor.get(home)
    second = visitor.get(home)
    assert first.content != second.content  # their nonces
    assert first["ETag"] == second["ETag"]
    assert visitor.get(home, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_signed_in_staff_are_never_served_nor_stored(
    shared_cache, seed, visitor, staff, django_assert_num_queries
):
    draft = make_meeting(title="Planned summit", published=False)
    url = draft.get_absolute_url()
    preview = staff.get(url)
    assert "Draft — not public." in preview.content.decode()
    assert set(preview["Cache-Control"].split(", ")) == {"private", "no-store"}
    # The draft the editor saw was not stored for visitors.
    assert visitor.get(url).status_code == 404
    staff_view = staff.get(MEETINGS)
    assert staff_view["Cache-Control"] == "private"
    assert "Cookie" in staff_view["Vary"]
    # Visitors are served from the cache: what is stored is what they get ...
    visitor.get(MEETINGS)
    key = stored_key(MEETINGS)
    version, has_nonce, stored = cache.get(key)
    stored.content = stored.content.replace(b"4th Foreign", b"Cached 4th Foreign")
    cache.set(key, (version, has_nonce, stored))
    with django_assert_num_queries(0):
        assert "Cached 4th Foreign" in visitor.get(MEETINGS).content.decode()
    # ... and staff never: their page is rendered for them.
    staff_page = staff.get(MEETINGS).content.decode()
    assert "4th Foreign" in staff_page
    assert "Cached 4th Foreign" not in staff_page


def test_a_page_from_the_cache_has_a_fresh_nonce_the_one_of_its_policy(
    shared_cache, seed, visitor, settings, django_assert_num_queries
):
    """Each response's nonce is its own, never one replayed from the stored copy.

    (The site's policy allows scripts from 'self' only and names no nonce; with a
    policy that does, the nonce of a page from the cache is the one of its header.)
    """
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**policy, "script-src": [*policy["script-src"], NONCE]}
    }
    home = reverse("dialogue:home")
    responses = [visitor.get(home)]
    with django_assert_num_queries(0):
        responses += [visitor.get(home) for _ in range(2)]
    nonces = []
    for response in responses:
        [nonce] = re.findall(JSON_LD_NONCE, response.content.decode())
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3
    _version, has_nonce, stored = cache.get(stored_key(home))
    assert has_nonce
    assert not any(nonce.encode() in stored.content for nonce in nonces)


def test_parameters_a_page_does_not_read_share_its_copy(
    shared_cache, seed, visitor, django_assert_num_queries
):
    first = visitor.get(MEETINGS)
    count = stored_pages(shared_cache)
    with django_assert_num_queries(0):
        junk = visitor.get(MEETINGS + "?junk=1")
        other_junk = visitor.get(MEETINGS + "?utm_source=feed&junk=2")
    assert junk.content == other_junk.content == first.content
    assert stored_pages(shared_cache) == count
    # A parameter the page reads is a page of its own, with or without junk.
    kind = visitor.get(MEETINGS + "?kind=summit").content.decode()
    assert "4th Foreign Ministers" not in kind
    assert stored_pages(shared_cache) == count + 1
    with django_assert_num_queries(0):
        again = visitor.get(MEETINGS + "?junk=3&kind=summit").content.decode()
    assert again == kind
    assert stored_pages(shared_cache) == count + 1


def test_a_page_never_shows_parameters_it_does_not_read(shared_cache, db, visitor):
    """A copy shared by every ``?junk=`` must not carry one visitor's junk: the
    view is given only the parameters it reads (here its page links)."""
    for number in range(101):
        make_source(title=f"Report number {number}")
    sources = reverse("dialogue:source-list")
    page = visitor.get(sources + "?junk=mine&page=1").content.decode()
    assert 'href="?page=2"' in page
    assert "junk" not in page
    assert visitor.get(sources + "?page=1").content.decode() == page


def test_responses_that_are_not_for_everyone_are_not_stored(shared_cache):
    """Each kind of response below is rendered afresh for the next visitor."""

    def with_cookie(text):
        response = HttpResponse(text)
        response.set_cookie("csrftoken", "secret")
        return response

    def cache_control(value):
        def make(text):
            response = HttpResponse(text)
            response["Cache-Control"] = value
            return response

        return make

    def vary_on_language(text):
        response = HttpResponse(text)
        response["Vary"] = "Accept-Language"
        return response

    kinds = {
        "a plain page": HttpResponse,
        "a cookie": with_cookie,
        "private": cache_control("private"),
        "no-store": cache_control("private, no-store"),
        "no-cache": cache_control("no-cache"),
        "a language": vary_on_language,
        "not found": lambda text: HttpResponse(text, status=404),
        "streamed": lambda text: StreamingHttpResponse([text]),
    }
    served = {}
    for kind, make in kinds.items():
        cache.clear()
        renders = []

        def view(request, make=make, renders=renders):
            renders.append(1)
            return make(f"render {len(renders)}")

        pages = UpdateCacheMiddleware(FetchFromCacheMiddleware(view))
        for _ in range(2):
            response = pages(RequestFactory().get(MEETINGS))
        served[kind] = b"".join(response) if response.streaming else response.content
    assert served == {
        kind: b"render 1" if kind == "a plain page" else b"render 2" for kind in kinds
    }


def test_a_request_inside_a_transaction_neither_fills_nor_uses_the_cache(
    shared_cache, seed, visitor
):
    """What a request reads inside a transaction may never be committed."""
    with transaction.atomic():
        Meeting.objects.filter(slug=FOURTH).update(title="Never committed")
        assert "Never committed" in visitor.get(MEETINGS).content.decode()
        transaction.set_rollback(True)
    assert "Never committed" not in visitor.get(MEETINGS).content.decode()
    with transaction.atomic():
        Meeting.objects.filter(slug=FOURTH).update(title="Seen inside")
        assert "Seen inside" in visitor.get(MEETINGS).content.decode()
        transaction.set_rollback(True)


def test_the_page_cache_is_off_with_a_cache_local_to_one_process(
    settings, seed, visitor
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    visitor.get(MEETINGS)
    Meeting.objects.filter(slug=FOURTH).update(title="Renamed quietly")
    with CaptureQueriesContext(connection) as captured:
        response = visitor.get(MEETINGS)
    assert len(captured.captured_queries) > 0
    assert "Renamed quietly" in response.content.decode()


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
    """The shared cache, noting every call the page cache makes to it."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def counted(*args, **kwargs):
            self.calls.append((name, *args[:1]))
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting(shared_cache, monkeypatch):
    counting = CountingCache(caches["default"])
    for middleware in (FetchFromCacheMiddleware, UpdateCacheMiddleware):
        monkeypatch.setattr(middleware, "cache", property(lambda self: counting))
    return counting


def test_a_page_from_the_cache_costs_one_read_and_the_probes_and_admin_none(
    seed, visitor, counting
):
    key = stored_key(MEETINGS)
    visitor.get(MEETINGS)
    assert counting.calls == [
        ("get_many", [content.VERSION_KEY, key]),
        ("set", key),
    ]
    counting.calls.clear()
    with CaptureQueriesContext(connection) as captured:
        assert "4th Foreign Ministers" in visitor.get(MEETINGS).content.decode()
    assert captured.captured_queries == []
    assert counting.calls == [("get_many", [content.VERSION_KEY, key])]
    counting.calls.clear()
    assert visitor.get(reverse("healthz")).json() == {"status": "ok"}
    assert visitor.get(reverse("readyz")).json()["status"] == "ok"
    assert visitor.get(reverse("admin:login")).status_code == 200
    assert visitor.get("/no-such-page/").status_code == 404
    assert counting.calls == []


@pytest.fixture(scope="module")
def redis_url():
    with redis_server("the page cache on Redis") as (_process, url):
        yield url


def test_a_page_from_the_cache_is_one_redis_round_trip(
    settings, redis_url, seed, visitor
):
    settings.CACHES = {
        "default": {"BACKEND": "capj.redis_cache.RedisCache", "LOCATION": redis_url}
    }
    server = redis.Redis.from_url(redis_url)
    server.flushall()

    def commands():
        return {
            name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in server.info("commandstats").items()
        }

    first = visitor.get(MEETINGS).content
    before = commands()
    with CaptureQueriesContext(connection) as captured:
        assert visitor.get(MEETINGS).content == first
    after = commands()
    assert captured.captured_queries == []
    sent = {name: after[name] - before.get(name, 0) for name in after}
    assert {name: calls for name, calls in sent.items() if calls} == {
        "mget": 1,
        "info": 1,
    }
    Meeting.objects.filter(slug=FOURTH).update(title="Renamed on Redis")
    content.bump_content_version()
    assert "Renamed on Redis" in visitor.get(MEETINGS).content.decode()


def test_pages_are_served_while_the_cache_is_down(settings, seed, visitor):
    settings.CACHES = {
        "default": {
            "BACKEND": "capj.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    for _ in range(2):
        response = visitor.get(MEETINGS)
        assert response.status_code == 200
        assert "4th Foreign Ministers" in response.content.decode()


def test_the_redis_cache_keeps_one_client_per_connection_pool():
    from capj.redis_cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:1/0", {})
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    assert client.connection_pool is backend._cache._get_connection_pool(False)
