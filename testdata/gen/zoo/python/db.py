"""The database layer.

Incremental leak (a thread-local): execute logs every query in _context.queries, a list in a
threading.local, for the debug toolbar; the service runs with the log on and nothing resets it
(only reset_queries does, at the end of a request, with --churn-only).
"""

import threading

import settings


class QueryRecord:
    def __init__(self, sql, params, duration_ms):
        self.sql = sql
        self.params = params
        self.duration_ms = duration_ms


_context = threading.local()  # per thread: queries, the log of what this thread ran


def execute(sql, params):
    queries = getattr(_context, "queries", None)
    if queries is None:
        queries = _context.queries = []
    queries.append(QueryRecord(sql, params, 0.01 * (len(queries) % 700)))
    return len(params)


def reset_queries():
    _context.queries = []


def end_request():
    if not settings.LEAKY:
        reset_queries()
