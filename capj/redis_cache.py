"""Django's Redis cache, without building a new Redis client for every call, and
with what dialogue.cache needs to tell every process of a change.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` makes a new
``redis.Redis`` object for each cache operation. With redis-py 8 that costs about a
tenth of a millisecond (it builds its response-callback tables every time): more
than the network round trip itself, and paid twice on every page served from the
cache. A client is only a thin wrapper around its connection pool and is safe to
share between threads, so one client per pool is kept and reused.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def set_and_publish(self, key, value, channel):
        """Store ``value`` under ``key`` (no expiry) and publish ``channel`` a
        message, both or neither (one MULTI/EXEC): a subscriber is told of every
        value that is stored. Redis writes the message to the subscribers before it
        answers the EXEC (a lone PUBLISH it answers first), so the message is on its
        way to every subscriber before this returns: on one host, already waiting
        on the subscriber's connection."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipeline = client.pipeline(transaction=True)
        pipeline.set(key, self._cache._serializer.dumps(value))
        pipeline.publish(channel, b"changed")
        pipeline.execute()

    def new_connection(self):
        """A connection of its own to the (primary) server, outside the pool: for a
        subscription, which cannot share a connection with commands."""
        pool = self._cache._get_connection_pool(write=True)
        return pool.connection_class(**pool.connection_kwargs)
