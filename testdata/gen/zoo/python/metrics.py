"""Request metrics.

Incremental leak (an attribute of a module's singleton): request_latency.samples is a deque
without maxlen, and observe() appends every timing to it.
"""

import collections

import settings


class LatencyHistogram:
    def __init__(self, name, maxlen=None):
        self.name = name
        self.samples = collections.deque(maxlen=maxlen)

    def observe(self, seconds):
        self.samples.append(seconds)


request_latency = LatencyHistogram("request_latency_seconds", None if settings.LEAKY else 64)
