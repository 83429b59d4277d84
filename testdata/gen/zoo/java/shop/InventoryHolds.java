package shop;

import java.util.HashMap;
import java.util.Map;

// InventoryHolds reserves stock for orders being checked out. HOLDS is keyed by the Order,
// whose hash changes when a line is added after the hold: release then looks in the wrong
// bucket, finds nothing, and the hold stays for good (the mutable-key leak). The churn-only
// run releases the hold before changing the order.
public final class InventoryHolds {
    static final Map<Order, Integer> HOLDS = new HashMap<>();

    static void hold(Order o, int units) {
        HOLDS.put(o, units);
    }

    static void release(Order o) {
        HOLDS.remove(o);
    }
}
