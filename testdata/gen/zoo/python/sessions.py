"""Logged-in sessions, by token.

Incremental leak (a dict cache): open_session stores every Session in _sessions, and only
logout removes one; the shop's clients never log out, so the dict grows with every visit.
"""

import hashlib
import itertools

import settings

_serial = itertools.count(1)


class Session:
    def __init__(self, token, user_id, started_at):
        self.token = token
        self.user_id = user_id
        self.started_at = started_at
        self.csrf_token = "csrf-%032x" % (hash(token) & (1 << 128) - 1)
        self.preferences = {"locale": "en_GB", "currency": "GBP"}


_sessions = {}  # token -> Session


def open_session(user_id, now):
    token = hashlib.sha256(b"session %d" % next(_serial)).hexdigest()  # stands for secrets.token_hex(32)
    session = Session(token, user_id, now)
    _sessions[token] = session
    return session


def logout(session):
    _sessions.pop(session.token, None)


def end_request(session):
    if not settings.LEAKY:
        logout(session)
