"""A per-client sliding-window limit, kept in this process's memory."""

from __future__ import annotations

from collections import OrderedDict, deque
import threading


class RateLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key.

    The state lives in one process: N instances behind a load balancer allow up
    to N times the limit (see the README). Memory is bounded by ``max_keys``;
    the least recently seen client is forgotten first.
    """

    def __init__(self, limit: int, window: float, *, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> int:
        """Record one event; return 0 if allowed, else seconds until it would be."""
        if self.limit <= 0:
            return 0
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.window:
                events.popleft()
            self._events[key] = events
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            if len(events) >= self.limit:
                return max(1, int(events[0] + self.window - now + 0.999))
            events.append(now)
            return 0
