"""An admin import's upload between its two steps: kept byte for byte in every
storage the settings allow, confirmed only by the steward who uploaded it, for
this import, and removed when it is not confirmed in time."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.urls import reverse

from dialogue.models import Meeting
from tests.factories import make_meeting
from tests.servers import redis_server
from tests.test_csv_admin import confirm_fields, upload

#: Text that must come back exactly: line breaks of every kind, formula triggers.
TRICKY = "\r=1+1", "a\r\nb\rc\nd", "\t-x", "@\r\n\r\n", " spaced "


@pytest.fixture(scope="module")
def redis_url():
    with redis_server("the import storage on Redis") as (_process, url):
        yield url


@pytest.fixture(params=["local cache", "file cache", "redis"])
def import_storage(request, settings, tmp_path):
    """Each cache the settings allow, and so each place an upload may wait."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    if request.param == "file cache":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    elif request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "capj.redis_cache.RedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
            }
        }
    cache.clear()
    yield request.param
    cache.clear()


def confirm(client, response, model="meeting", **changed):
    fields = confirm_fields(response)
    data = {
        key: unescape(fields[key])
        for key in ("import_file_name", "original_file_name", "format", "resource")
        if key in fields
    }
    data.update(changed)
    return client.post(
        reverse(f"admin:dialogue_{model}_process_import"), data, follow=True
    )


def export(client, model="meeting"):
    response = client.post(
        reverse(f"admin:dialogue_{model}_export"), {"format": "0", "resource": "0"}
    )
    return response.content


def text_of(response):
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip())


# --- The upload is kept byte for byte ---------------------------------------------


def test_the_admin_round_trip_keeps_every_byte(import_storage, steward_client):
    """Export, import the export, export again: the same bytes, the same text."""
    for number, summary in enumerate(TRICKY, 1):
        make_meeting(slug=f"m-{number}", number=number, summary=summary)
    exported = export(steward_client)
    assert b'"\'\r=1+1"' in exported
    Meeting.objects.update(summary="changed meanwhile")

    preview = upload(steward_client, exported)
    assert "meetings.csv: 0 new, 5 updated, 0 unchanged." in text_of(preview)
    done = confirm(steward_client, preview)
    assert "Import of meetings.csv finished: 0 new, 5 updated" in text_of(done)
    stored = dict(Meeting.objects.values_list("slug", "summary"))
    assert stored == {f"m-{n}": summary for n, summary in enumerate(TRICKY, 1)}
    assert export(steward_client) == exported


# --- Only the steward who uploaded a file confirms it -----------------------------

HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)
ROW = "new-meeting,foreign_ministers,7,Seventh,held,2016-07-16,,Bishkek,,,,"
NOT_YOURS = (
    "This confirmation does not name a file you uploaded for this import, so "
    "nothing was imported. Upload the file again."
)


@pytest.fixture
def folder(settings, tmp_path):
    """Uploads as files in a folder, as with ``make run``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    return tmp_path / "uploads" / "csv-imports"


def test_the_confirm_step_reads_no_other_file_of_the_server(
    db, steward_client, tmp_path, monkeypatch, folder
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    secret = tmp_path / "secrets.csv"
    secret.write_text("api_key,sk_live_0123456789\nx,y\n")
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n".encode())
    for name in ("secrets.csv", str(secret), "../../secrets.csv"):
        response = confirm(steward_client, preview, import_file_name=name)
        assert response.status_code == 200
        page = text_of(response)
        assert NOT_YOURS in page
        assert "sk_live" not in page and "api_key" not in page
    assert secret.read_text() == "api_key,sk_live_0123456789\nx,y\n"
    assert not Meeting.objects.exists()


def test_another_stewards_upload_cannot_be_confirmed(db, steward_client, client):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n".encode())
    other = User.objects.create_user("other", password="pw", is_staff=True)
    other.groups.add(Group.objects.get(name="Data stewards"))
    from django.test import Client

    intruder = Client()
    intruder.force_login(other)
    assert NOT_YOURS in text_of(confirm(intruder, preview))
    assert not Meeting.objects.exists()
    # The upload is untouched: its steward still confirms it.
    done = confirm(steward_client, preview)
    assert "Import of meetings.csv finished: 1 new" in text_of(done)
    assert Meeting.objects.get().title == "Seventh"


def test_an_upload_is_confirmed_only_for_the_import_it_was_made_for(db, steward_client):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n".encode())
    response = confirm(steward_client, preview, model="country")
    assert NOT_YOURS in text_of(response)
    assert not Meeting.objects.exists()
    assert "1 new" in text_of(confirm(steward_client, preview))


def test_an_upload_not_confirmed_in_time_is_refused_and_removed(
    db, steward_client, settings, folder, monkeypatch
):
    import os
    import time

    from django.core import signing

    settings.CSV_IMPORT_UPLOAD_SECONDS = 60
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n".encode())
    [stored] = folder.iterdir()
    two_minutes_ago = time.time() - 120
    os.utime(stored, (two_minutes_ago, two_minutes_ago))

    class Later:
        @staticmethod
        def time():
            return time.time() + 120

    with monkeypatch.context() as patched:
        patched.setattr(signing, "time", Later)
        response = confirm(steward_client, preview)
    assert (
        "The uploaded file is no longer available: an upload waits 1 minute for its "
        "confirmation. Nothing was imported; upload it again." in text_of(response)
    )
    assert not Meeting.objects.exists()
    # The next upload removes it; the new one waits.
    upload(steward_client, f"{HEADER}\n{ROW}\n".encode())
    [waiting] = folder.iterdir()
    assert waiting.name != stored.name


def test_uploads_in_redis_expire_after_the_set_time(settings, redis_url):
    import redis

    from dialogue.csv.uploads import import_storage

    settings.CACHES = {
        "default": {"BACKEND": "capj.redis_cache.RedisCache", "LOCATION": redis_url}
    }
    settings.CSV_IMPORT_UPLOAD_SECONDS = 600
    storage = import_storage()
    storage.save(b"slug\r\nx\r\n")
    server = redis.Redis.from_url(redis_url)
    [key] = server.keys(f"*{storage.name}")
    assert 590 < server.ttl(key) <= 600
    assert import_storage(name=storage.name).read() == b"slug\r\nx\r\n"
    for name in ("../../etc/passwd", "", None):
        with pytest.raises(FileNotFoundError):
            import_storage(name=name).read()
