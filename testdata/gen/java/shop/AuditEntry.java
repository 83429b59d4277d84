package shop;

/** AuditEntry is kept for every request (the incremental leak). */
public class AuditEntry {
    final int requestId;
    final String path;
    final String user;
    final byte[] payload;

    AuditEntry(int requestId, String path, String user, byte[] payload) {
        this.requestId = requestId;
        this.path = path;
        this.user = user;
        this.payload = payload;
    }
}
