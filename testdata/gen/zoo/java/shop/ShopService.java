// ShopService is the JVM leak zoo: a small shop service in which every leak pattern memsee's
// leaks command must name runs at once, each in a class of its own with its own variable
// (testdata/zoo/java/README.md lists them and what leaks must say of each):
//
//   - CurrencyRates.RATES: a static HashMap filled once, by the first conversion (static);
//   - AuditLog.ENTRIES: a static ArrayList that every request appends to (incremental);
//   - RequestContext.TRAIL: a ThreadLocal list of the checkout pool's threads, set by every
//     task and never removed (incremental);
//   - PriceFeed.INSTANCE.listeners: cart views that register as listeners and never
//     unregister (incremental);
//   - InventoryHolds.HOLDS: a HashMap keyed by orders that change after they are put in, so
//     that they are never found again to be removed (incremental);
//   - plugins.DiscountRules.RULES: the static cache of a plugin class loaded again by a new
//     class loader at every reload, each old loader kept by PluginHost.HISTORY (incremental).
//
// With --churn-only it does the same work with no leak: every pattern releases what it took,
// or keeps a bounded number. It takes three dumps, with the JVM's own `jcmd <pid>
// GC.heap_dump -gz=1`: after a warm-up that runs every path once without leaking, after the
// rates are loaded and REQUESTS requests, and after REQUESTS more.
//
//	javac -d classes testdata/gen/zoo/java/shop/*.java
//	javac -d plugins testdata/gen/zoo/java/plugins/*.java
//	java -Xmx64m -XX:+UseSerialGC -Xshare:off -cp classes shop.ShopService --out dir [--churn-only]
//
// testdata/gen/zoo/java/gen.sh runs it as the zoo needs, from a directory that holds classes/
// and plugins/.
package shop;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

public final class ShopService {
    static final int REQUESTS = 200;       // requests between dumps
    static final int RELOAD_EVERY = 100;   // requests between plugin reloads
    static final int WARMUP = 50;

    static boolean leak;                   // false: --churn-only, and during the warm-up
    static long sink;                      // keeps the work from being optimised away

    static final ExecutorService CHECKOUT = Executors.newFixedThreadPool(2, new ThreadFactory() {
        final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "checkout-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    static void handleRequest(long id) throws Exception {
        String user = "user" + (id % 50);
        AuditLog.record(new AuditEntry(id, user, "/checkout/" + id, new byte[1400]), leak);

        CartView view = new CartView(id);
        Order order = new Order(id);
        order.add(new OrderLine("SKU-" + (id % 100), 1));
        Future<Long> total = CHECKOUT.submit(() -> checkout(order));
        sink += total.get();
        if (!leak) {
            view.close();
        }
        if (id % RELOAD_EVERY == 0) {
            PluginHost.reload(leak);
        }
    }

    // checkout runs on the checkout pool: it holds stock for the order, prices it, and
    // lets the customer add a gift wrap at the last moment.
    static long checkout(Order order) {
        RequestContext.step("hold", order.id);
        InventoryHolds.hold(order, order.lines.size());
        long cents = CurrencyRates.convert(1999, "XAB", leak);
        RequestContext.step("price", cents);
        if (!leak) {
            InventoryHolds.release(order);
            RequestContext.end();
        }
        order.add(new OrderLine("GIFT-WRAP", 1));
        InventoryHolds.release(order); // the order's hash has changed: finds nothing when leaking
        PriceFeed.INSTANCE.publish("SKU-" + (order.id % 100), cents);
        return PluginHost.discount(cents);
    }

    public static void main(String[] args) throws Exception {
        String out = ".";
        boolean churnOnly = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                out = args[++i];
            } else if (args[i].equals("--churn-only")) {
                churnOnly = true;
            } else {
                throw new IllegalArgumentException("usage: ShopService [--out dir] [--churn-only]");
            }
        }
        String prefix = churnOnly ? "churn" : "leak";
        long pid = ProcessHandle.current().pid();
        // Start the attach listener and load what running a child loads, before dump 1.
        run(new String[] {"sh", "-c", "jcmd " + pid + " VM.version >/dev/null"}, null);
        PluginHost.reload(false);
        long id = 1;
        for (; id <= WARMUP; id++) {
            handleRequest(id);
        }
        PluginHost.reload(false);
        List<File> dumps = new ArrayList<>();
        for (int d = 1; d <= 3; d++) {
            if (d > 1) {
                leak = !churnOnly;
                for (int i = 0; i < REQUESTS; i++, id++) {
                    handleRequest(id);
                }
            }
            File dump = new File(out, prefix + d + ".hprof.gz");
            dump.delete();
            quiesce();
            run(new String[] {"sh", "-c", "jcmd " + pid + " GC.heap_dump -gz=1 " + dump.getPath() + " >/dev/null"}, dump);
            dumps.add(dump);
        }
        System.out.println(prefix + ": rates " + CurrencyRates.RATES.size() + ", audit " + AuditLog.ENTRIES.size()
                + ", holds " + InventoryHolds.HOLDS.size() + ", plugin versions " + PluginHost.HISTORY.size());
    }

    // quiesce collects a few times and waits, so that what is only reachable through a Cleaner
    // or a reference queue (the previous child process's) is gone before the dump.
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
