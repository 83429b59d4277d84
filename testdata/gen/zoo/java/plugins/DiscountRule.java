package plugins;

// DiscountRule is one rule of the discount plugin: a code and the price thresholds it applies
// above.
public final class DiscountRule {
    final String code;
    final long[] thresholds = new long[160];
    final int percent;

    DiscountRule(String code, int percent) {
        this.code = code;
        this.percent = percent;
        for (int i = 0; i < thresholds.length; i++) {
            thresholds[i] = 1000L * i;
        }
    }
}
