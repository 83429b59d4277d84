package shop;

// CartView is the rendered page of a cart. It listens to the price feed to re-render when a
// price changes; close unregisters it, which the leaking run forgets to call.
public final class CartView implements PriceListener {
    final long cartId;
    final char[] html = new char[700];
    boolean stale;

    CartView(long cartId) {
        this.cartId = cartId;
        PriceFeed.INSTANCE.addListener(this);
    }

    @Override
    public void priceChanged(String sku, long cents) {
        stale = true;
    }

    void close() {
        PriceFeed.INSTANCE.removeListener(this);
    }
}
