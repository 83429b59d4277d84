package shop;

import java.util.ArrayList;
import java.util.List;

// Order is a customer's order. Its equals and hashCode use its lines, which change after the
// order is used as a key: the mutable-key leak of InventoryHolds.
public final class Order {
    final long id;
    final List<OrderLine> lines = new ArrayList<>();
    final byte[] receipt = new byte[1400];

    Order(long id) {
        this.id = id;
    }

    void add(OrderLine l) {
        lines.add(l);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Order && ((Order) o).id == id && ((Order) o).lines.equals(lines);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + lines.hashCode();
    }
}
