"""An admin import's upload between its two steps: kept byte for byte in every
storage the settings allow, confirmed only by the steward who uploaded it, for
this import, and removed when it is not confirmed in time."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dialogue.models import Meeting
from tests.factories import make_meeting
from tests.servers import redis_server

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


@pytest.fixture
def steward(db):
    user = User.objects.create_user("steward", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Data stewards"))
    return user


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


def upload(client, data, name="meetings.csv", model="meeting"):
    return client.post(
        reverse(f"admin:dialogue_{model}_import"),
        {
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
            "format": "0",
            "resource": "0",
        },
    )


def confirm_fields(response):
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', response.content.decode()))


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
