// Big writes one large heap dump for memsee's benchmarks (bench/hprof_test.go): a store of
// orders shaped like a long-running service's heap, about 8 objects per order (the Order, its
// LineItem[] of 3 LineItems, a 64-byte payload, a note String with its byte[]), plus a shared
// catalogue. The JVM writes the dump itself, uncompressed, with
// HotSpotDiagnosticMXBean.dumpHeap(file, true). The default 1,700,000 orders make about 13.6M
// objects and a 650 MB dump; run with -Xmx1g. make bench-large (bench/large_test.go) runs it
// with up to 12,500,000 orders (100M objects), its heap sized from the orders.
//
//	javac -d out testdata/gen/java/Big.java
//	java -Xmx1g -XX:+UseSerialGC -cp out Big --orders 1700000 --out big.hprof
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

public class Big {
    static final class Product {
        final String sku;
        final long priceCents;

        Product(String sku, long priceCents) {
            this.sku = sku;
            this.priceCents = priceCents;
        }
    }

    static final class LineItem {
        final Product product;
        final int quantity;
        final double total;

        LineItem(Product product, int quantity) {
            this.product = product;
            this.quantity = quantity;
            this.total = quantity * product.priceCents / 100.0;
        }
    }

    static final class Order {
        final long id;
        final LineItem[] items;
        final byte[] payload;
        final String note;

        Order(long id, LineItem[] items, String note) {
            this.id = id;
            this.items = items;
            this.payload = new byte[64];
            this.note = note;
        }
    }

    static final List<Order> ORDERS = new ArrayList<>();
    static final Product[] CATALOGUE = new Product[10000];

    public static void main(String[] args) throws Exception {
        int orders = 1_700_000;
        String out = "big.hprof";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--orders" -> orders = Integer.parseInt(args[++i]);
                case "--out" -> out = args[++i];
                default -> throw new IllegalArgumentException("usage: Big [--orders n] [--out file]");
            }
        }
        for (int i = 0; i < CATALOGUE.length; i++) {
            CATALOGUE[i] = new Product("SKU-" + i, 100 + i);
        }
        for (int i = 0; i < orders; i++) {
            LineItem[] items = new LineItem[3];
            for (int j = 0; j < items.length; j++) {
                items[j] = new LineItem(CATALOGUE[(i * 7 + j * 13) % CATALOGUE.length], 1 + j);
            }
            ORDERS.add(new Order(i, items, "order " + i));
        }
        File f = new File(out);
        f.delete();
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(f.getPath(), true);
        System.out.println("wrote " + f + ": " + ORDERS.size() + " orders, " + f.length() + " bytes");
    }
}
