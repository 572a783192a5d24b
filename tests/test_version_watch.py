"""With Redis, each process keeps the content version in memory and is told of
every change: a page served from the cache needs no round trip, and is never stale.

Against a real Redis (skipped with a message where redis-server is missing; CI sets
CAPJ_REQUIRE_REDIS=1 and fails instead). Two watches stand for two processes.
"""

import pytest
import redis

from capj.redis_cache import RedisCache
from dialogue import cache as content
from tests.servers import redis_server


@pytest.fixture(scope="module")
def redis_url():
    with redis_server("the version watch") as (_process, url):
        yield url


@pytest.fixture
def shared_redis(settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "capj.redis_cache.RedisCache", "LOCATION": redis_url}
    }
    redis.Redis.from_url(redis_url).flushall()
    return redis.Redis.from_url(redis_url)


def stored_version():
    return content.cache.get(content.VERSION_KEY)


def test_every_change_is_seen_on_the_very_next_request(shared_redis):
    first, second = content.VersionWatch(), content.VersionWatch()
    assert first.current() == second.current() == stored_version()
    for _ in range(300):
        content.bump_content_version()
        # No pause: the message is already waiting when the writer is answered.
        assert second.current() == stored_version()
        assert first.current() == stored_version()
    assert len({first.current(), second.current()}) == 1


def test_nothing_changed_means_no_read_of_the_version(shared_redis, monkeypatch):
    watch = content.VersionWatch()
    version = watch.current()
    reads = []
    monkeypatch.setattr(
        content, "content_version", lambda: reads.append(1) or stored_version()
    )
    for _ in range(20):
        assert watch.current() == version
    assert reads == []
    content.bump_content_version()
    assert watch.current() != version
    assert reads == [1]


def test_a_lost_subscription_falls_back_to_reading_and_subscribes_again(
    shared_redis,
):
    watch = content.VersionWatch()
    watch.current()
    # The server drops every subscriber (as a restart or a network cut would),
    # then the version changes: no message can reach the watch.
    shared_redis.client_kill_filter(_type="pubsub")
    content.bump_content_version()
    assert watch.current() == stored_version()  # read, the subscription dropped
    assert watch.connection is None
    assert watch.current() == stored_version()  # subscribed again
    assert watch.connection is not None
    content.bump_content_version()
    assert watch.current() == stored_version()


def test_a_changed_version_reaches_a_page_served_from_the_cache(
    shared_redis, redis_url, client, transactional_db
):
    from django.urls import reverse

    from tests.factories import make_meeting

    meeting = make_meeting(title="Before")
    url = reverse("dialogue:meeting-detail", args=[meeting.slug])
    assert "Before" in client.get(url).content.decode()
    version = content.version_watch.current()
    assert content.find_page(content.page_key(f"http://testserver{url}"))[0] == version
    # Another server's save: the row changes (no signal here) and that server bumps
    # the version with its own cache client and connections, in the same MULTI/EXEC.
    type(meeting).objects.filter(pk=meeting.pk).update(title="After")
    assert "Before" in client.get(url).content.decode()  # still the cached copy
    other_server = RedisCache(redis_url, {})
    other_server.set_and_publish(
        content.VERSION_KEY, "1:other", content.CHANGES_CHANNEL
    )
    assert content.version_watch.current() == "1:other"
    page = client.get(url).content.decode()
    assert "After" in page and "Before" not in page
