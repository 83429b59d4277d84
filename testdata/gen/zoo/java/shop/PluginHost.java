package shop;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

// PluginHost runs the discount plugin and reloads it from its directory now and then, each
// time in a new PluginLoader. It keeps every version it loaded in HISTORY, for a rollback
// nobody does: each old version keeps its loader, the loader its classes, and each class its
// static cache (plugins.DiscountRules.RULES). The churn-only run keeps the current one only.
public final class PluginHost {
    static final List<LongUnaryOperator> HISTORY = new ArrayList<>();
    static LongUnaryOperator current;

    static void reload(boolean keepHistory) throws ReflectiveOperationException {
        PluginLoader loader = new PluginLoader("plugins", PluginHost.class.getClassLoader());
        current = (LongUnaryOperator) loader.loadClass("plugins.DiscountRules").getConstructor().newInstance();
        if (keepHistory) {
            HISTORY.add(current);
        }
    }

    static long discount(long cents) {
        return current.applyAsLong(cents);
    }
}
