package shop;

// Breadcrumb is one step of a request's trail, kept for error reports: where it went and a
// copy of the state it saw there.
public final class Breadcrumb {
    final String step;
    final long at;
    final char[] state;

    Breadcrumb(String step, long at, int size) {
        this.step = step;
        this.at = at;
        this.state = new char[size];
    }
}
