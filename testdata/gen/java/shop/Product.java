package shop;

/** Product is a row of the price table (the static leak). */
public class Product {
    final String sku;
    final String name;
    final long priceCents;

    Product(String sku, String name, long priceCents) {
        this.sku = sku;
        this.name = name;
        this.priceCents = priceCents;
    }
}
