package shop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

// AuditLog is an incremental leak in a static collection: every request appends to ENTRIES,
// which nothing trims. The churn-only run keeps the last RECENT entries only.
public final class AuditLog {
    static final int RECENT = 16;
    static final List<AuditEntry> ENTRIES = new ArrayList<>();
    static final ArrayDeque<AuditEntry> LAST = new ArrayDeque<>();

    static void record(AuditEntry e, boolean keepAll) {
        if (keepAll) {
            ENTRIES.add(e);
            return;
        }
        LAST.addLast(e);
        if (LAST.size() > RECENT) {
            LAST.removeFirst();
        }
    }
}
