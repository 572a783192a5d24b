"""Django's Redis cache, without building a new Redis client for every call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` makes a new
``redis.Redis`` object for each cache operation; with redis-py 8 that builds its
response-callback tables every time. A client is only a thin wrapper around its
connection pool and is safe to share between threads, so one client per pool is
kept and reused. Measured (7 December 2026, redis-py 8.1.0, a local Redis, 3,000
calls in one process): the ``get_many`` of the content version and a 10 kB page that
every page served from the cache makes costs 114 µs of CPU with Django's client and
58 µs with this one.
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
