package shop;

import java.util.HashMap;
import java.util.Map;

// CurrencyRates is the static leak: the first price conversion loads every currency into
// RATES, which is never refreshed nor emptied.
public final class CurrencyRates {
    static final int CURRENCIES = 250;
    static final Map<String, Currency> RATES = new HashMap<>();

    static void load() {
        RATES.putAll(fetch());
    }

    // fetch reads the rate table (here: makes it up).
    static Map<String, Currency> fetch() {
        Map<String, Currency> m = new HashMap<>();
        for (int i = 0; i < CURRENCIES; i++) {
            String code = "X" + (char) ('A' + i / 26 % 26) + (char) ('A' + i % 26);
            m.put(code, new Currency(code, "currency " + code, 1.0 + i / 100.0));
        }
        return m;
    }

    // convert converts cents in euros to the currency code, from the loaded table, or (the
    // churn-only run) from a table fetched for this call.
    static long convert(long cents, String code, boolean cached) {
        Map<String, Currency> rates = RATES;
        if (!cached) {
            rates = fetch();
        } else if (rates.isEmpty()) {
            load();
        }
        Currency c = rates.get(code);
        return c == null ? cents : (long) (cents * c.rate());
    }
}
