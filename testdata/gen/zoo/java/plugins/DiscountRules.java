package plugins;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

// DiscountRules is the discount plugin. Its rules are a static cache, filled when the class
// is initialised: one per loader of the class.
public final class DiscountRules implements LongUnaryOperator {
    static final List<DiscountRule> RULES = new ArrayList<>();

    static {
        for (int i = 0; i < 150; i++) {
            RULES.add(new DiscountRule("RULE-" + i, i % 20));
        }
    }

    @Override
    public long applyAsLong(long cents) {
        DiscountRule r = RULES.get((int) (cents % RULES.size()));
        return cents - cents * r.percent / 100;
    }
}
