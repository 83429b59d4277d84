package shop;

// OrderLine is one product and quantity of an order.
public final class OrderLine {
    final String sku;
    final int quantity;

    OrderLine(String sku, int quantity) {
        this.sku = sku;
        this.quantity = quantity;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrderLine && ((OrderLine) o).sku.equals(sku) && ((OrderLine) o).quantity == quantity;
    }

    @Override
    public int hashCode() {
        return sku.hashCode() * 31 + quantity;
    }
}
