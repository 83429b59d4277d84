package shop;

// Currency is one row of the exchange-rate table: its ISO code, name and the last 128 daily
// rates against the euro.
public final class Currency {
    final String code;
    final String name;
    final double[] history = new double[128];

    Currency(String code, String name, double rate) {
        this.code = code;
        this.name = name;
        java.util.Arrays.fill(history, rate);
    }

    double rate() {
        return history[history.length - 1];
    }
}
