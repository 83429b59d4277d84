// Shop is a small "shop" service with planted leaks, run by `make testdata` to write real JVM
// heap dumps for memsee's tests:
//
//   - a static leak: loadPriceTable fills the static map PRICE_TABLE with Product objects
//     once, before dump 2, and never releases them;
//   - an incremental leak: every request appends an AuditEntry to the static list AUDIT_LOG,
//     which is never trimmed;
//   - weak and soft references: CARTS is a WeakHashMap keyed by Session, whose sessions are
//     dropped after their request (only the last few are kept in RECENT), and THUMBNAILS a
//     SoftReference to a cached buffer;
//   - churn: every request builds a response that is garbage right after.
//
// With --churn-only it writes a control series that only churns (and keeps the weak and soft
// references). Each dump is written by the JVM itself: the program runs, in one child shell,
// `jcmd <own pid> GC.heap_dump -gz=1` and, right after it, `jcmd <own pid> GC.class_histogram`.
// Both are run by the JVM's attach listener while this program's only thread waits for the
// shell, so no Java code allocates between the two full GCs and the histogram counts exactly
// the objects of the dump.
//
//	javac -d classes testdata/gen/java/shop/*.java
//	java -Xmx64m -XX:+UseSerialGC -Xshare:off -cp classes shop.Shop --out dir [--churn-only]
//
// testdata/gen/java/gen.sh runs it as the samples need (see testdata/README.md).
package shop;

import java.io.File;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

public class Shop {
    static final int PRODUCTS = 1000;        // the static leak
    static final int REQUESTS = 500;        // requests between dumps
    static final int DUMPS = 4;

    static final Map<String, Product> PRICE_TABLE = new HashMap<>();
    static final List<AuditEntry> AUDIT_LOG = new ArrayList<>();
    static final WeakHashMap<Session, Cart> CARTS = new WeakHashMap<>();
    static final Session[] RECENT = new Session[8];
    static SoftReference<byte[]> THUMBNAILS = new SoftReference<>(new byte[4096]);
    // Not Latin-1: the JVM keeps it as UTF-16 (a compact string whose coder is 1).
    static String greeting = "Grüße ☕ from the shop";

    static long sink; // keeps churn from being optimised away
    static boolean churnOnly;

    static void loadPriceTable(int n) {
        for (int i = 0; i < n; i++) {
            // Not String.format: it would load the JDK's locale tables, a static growth of
            // their own at dump 2.
            String digits = Integer.toString(1000000 + i);
            String sku = "SKU-" + digits.substring(1);
            PRICE_TABLE.put(sku, new Product(sku, "product " + sku, i * 100L));
        }
    }

    static void handleRequest(int id) {
        Session s = new Session(id, "user" + (id % 50));
        CARTS.put(s, new Cart(s.id));
        RECENT[id % RECENT.length] = s;
        if (!churnOnly) {
            AUDIT_LOG.add(new AuditEntry(id, "/cart/" + id, s.user, new byte[64]));
        }
        sink += renderResponse(id).length();
    }

    static String renderResponse(int id) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            b.append("<li>item ").append(id).append('-').append(i).append("</li>");
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        String out = "testdata/java";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                out = args[++i];
            } else if (args[i].equals("--churn-only")) {
                churnOnly = true;
            } else {
                throw new IllegalArgumentException("usage: Shop [--out dir] [--churn-only]");
            }
        }
        String prefix = churnOnly ? "churn" : "heap";
        long pid = ProcessHandle.current().pid();
        // Start the attach listener and load what running a child loads, before dump 1.
        run(new String[] {"sh", "-c", "jcmd " + pid + " VM.version >/dev/null"}, null);
        int id = 0;
        for (int d = 1; d <= DUMPS; d++) {
            if (d == 2 && !churnOnly) {
                loadPriceTable(PRODUCTS);
            }
            for (int i = 0; i < REQUESTS; i++) {
                handleRequest(id++);
            }
            File dump = new File(out, prefix + d + ".hprof.gz");
            dump.delete();
            String cmd = "jcmd " + pid + " GC.heap_dump -gz=1 " + dump.getPath() + " >/dev/null";
            if (!churnOnly) {
                cmd += " && jcmd " + pid + " GC.class_histogram > " + new File(out, "histo" + d + ".txt").getPath();
            }
            quiesce();
            run(new String[] {"sh", "-c", cmd}, dump);
        }
        System.out.println("audit log " + AUDIT_LOG.size() + ", price table " + PRICE_TABLE.size() + ", carts " + CARTS.size());
    }

    // quiesce collects twice and waits, so that the objects last only reachable through a
    // Cleaner or a reference queue (the previous child process's, say) are gone before the
    // dump: the reference handler and cleaner threads would otherwise drop them between the
    // dump's full GC and the histogram's, and the two would disagree.
    static void quiesce() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
    }

    static void run(String[] cmd, File want) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0 || (want != null && !want.exists())) {
            throw new RuntimeException(String.join(" ", cmd) + " failed");
        }
    }
}
