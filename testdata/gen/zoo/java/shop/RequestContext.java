package shop;

import java.util.ArrayList;
import java.util.List;

// RequestContext is an incremental leak through a ThreadLocal: each checkout task appends its
// breadcrumbs to TRAIL, the list of the pool thread it runs on, and nothing removes it when
// the task ends, so the pool's threads keep every task's trail. The churn-only run calls end.
public final class RequestContext {
    static final ThreadLocal<List<Breadcrumb>> TRAIL = ThreadLocal.withInitial(ArrayList::new);

    static void step(String step, long at) {
        TRAIL.get().add(new Breadcrumb(step, at, 600));
    }

    static void end() {
        TRAIL.remove();
    }
}
