"""The audit trail.

Incremental leak (a closure keeping a list): make_audit_trail returns record, a closure whose
variable events keeps every AuditEvent; the trail is never flushed.
"""

import settings


class AuditEvent:
    def __init__(self, action, user_id, detail, at):
        self.action = action
        self.user_id = user_id
        self.detail = detail
        self.at = at


def make_audit_trail(keep=None):
    events = []

    def record(action, user_id, detail, at):
        events.append(AuditEvent(action, user_id, detail, at))
        if keep is not None and len(events) > keep:
            del events[:-keep]

    return record


record_event = make_audit_trail(None if settings.LEAKY else 16)
