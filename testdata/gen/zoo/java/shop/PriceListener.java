package shop;

// PriceListener hears of price changes.
public interface PriceListener {
    void priceChanged(String sku, long cents);
}
