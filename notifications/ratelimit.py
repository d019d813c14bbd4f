"""A send rate (messages per second) shared by every worker.

GCRA ("generic cell rate algorithm") in Redis: one key holds the theoretical
arrival time of the next message. Each sender atomically reserves the next
slot and learns how long to wait for it, so N workers together send at most
`rate` messages per second with no burst, whatever their number. Without Redis
(the demo's single worker) the same algorithm runs in process memory.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

KEY = "lantern:sms-rate:tat"

_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local ttl = math.ceil((tat + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', ttl)
return tostring(tat - now)
"""


def rate_per_second() -> float:
    return float(settings.SMS_RATE_PER_SECOND or 0)


def redis_url() -> str | None:
    for url in (settings.CACHE_URL, settings.CELERY_BROKER_URL):
        if url and url.startswith(("redis://", "rediss://")):
            return url
    return None


class SendRateLimiter:
    """reserve() → seconds to wait before this message may be sent."""

    def __init__(self, *, rate: float, url: str | None, key: str = KEY):
        self.rate = rate
        self.key = key
        self._lock = threading.Lock()
        self._local_tat = 0.0
        self._script = None
        if url and rate > 0:
            import redis

            self._script = redis.Redis.from_url(url).register_script(_RESERVE)

    def reserve(self, *, now: float | None = None) -> float:
        if self.rate <= 0:
            return 0.0
        now = time.time() if now is None else now
        interval = 1.0 / self.rate
        if self._script is not None:
            return max(0.0, float(self._script(keys=[self.key], args=[repr(now), repr(interval)])))
        with self._lock:
            tat = max(self._local_tat, now)
            self._local_tat = tat + interval
            return tat - now


_limiter: SendRateLimiter | None = None
_limiter_config: tuple | None = None


def limiter() -> SendRateLimiter:
    global _limiter, _limiter_config
    config = (rate_per_second(), redis_url())
    if _limiter is None or _limiter_config != config:
        _limiter = SendRateLimiter(rate=config[0], url=config[1])
        _limiter_config = config
    return _limiter
