package shop;

// AuditEntry records one request: who did what, with a copy of the request body.
public final class AuditEntry {
    final long requestId;
    final String user;
    final String action;
    final byte[] body;

    AuditEntry(long requestId, String user, String action, byte[] body) {
        this.requestId = requestId;
        this.user = user;
        this.action = action;
        this.body = body;
    }
}
