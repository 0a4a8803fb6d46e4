"""Fixed-window rate limiting per client address, in the shared cache (Redis in production)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .middleware import client_ip


def rate_limited(request: HttpRequest, bucket: str) -> bool:
    """Count this request in `bucket`; True when the client is over the limit for the current window."""
    limit, window = settings.RATE_LIMITS[bucket]
    key = f"rl:{bucket}:{client_ip(request)}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return False
    return count > limit
