package shop;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

// PriceFeed tells its listeners of price changes. A listener that registers and never
// unregisters stays in listeners for good: the listener-list leak.
public final class PriceFeed {
    static final PriceFeed INSTANCE = new PriceFeed();

    private final List<PriceListener> listeners = new CopyOnWriteArrayList<>();

    void addListener(PriceListener l) {
        listeners.add(l);
    }

    void removeListener(PriceListener l) {
        listeners.remove(l);
    }

    void publish(String sku, long cents) {
        for (PriceListener l : listeners) {
            l.priceChanged(sku, cents);
        }
    }
}
