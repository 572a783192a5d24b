"""Is a change's message waiting for a subscriber once the writer is answered?

    .venv/bin/python bench/publish_order.py [--times 20000]

Not a test (the answer is a rate, and it varies with the machine's load): the
reason the content version is bumped in one MULTI/EXEC (``RedisCache.
set_and_publish``) and never with a lone PUBLISH. Starts a throwaway Redis, then
subscribes on one connection, as ``dialogue.cache.VersionWatch`` does, and
publishes on another ``--times`` times each way: a lone PUBLISH, then a SET and a
PUBLISH in one MULTI/EXEC. After each, it looks without waiting, as the watch does
on a request, whether the message is there, and counts the times it was not.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import redis  # noqa: E402

from bench.pages import Redis  # noqa: E402

CHANNEL = "capj:publish-order"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=20000)
    args = parser.parse_args()
    server = Redis()
    try:
        writer = redis.Redis.from_url(server.url)
        subscriber = writer.connection_pool.make_connection()
        subscriber.connect()
        subscriber.send_command("SUBSCRIBE", CHANNEL)
        subscriber.read_response(push_request=True)

        def waiting():
            count = 0
            while subscriber.can_read(timeout=0):
                subscriber.read_response(push_request=True)
                count += 1
            return count

        def lone_publish(n):
            writer.publish(CHANNEL, b"changed")

        def multi_exec(n):
            pipeline = writer.pipeline(transaction=True)
            pipeline.set("capj:publish-order:version", n)
            pipeline.publish(CHANNEL, b"changed")
            pipeline.execute()

        for label, change in (
            ("lone PUBLISH", lone_publish),
            ("SET + PUBLISH in MULTI/EXEC", multi_exec),
        ):
            missed = 0
            for n in range(args.times):
                change(n)
                if not waiting():
                    missed += 1
                    deadline = time.monotonic() + 1
                    while not waiting() and time.monotonic() < deadline:
                        time.sleep(0.0001)
            print(f"{label}: not yet there {missed} times in {args.times:,}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
