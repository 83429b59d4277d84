package shop;

/** Session keys the weak map of carts: a cart lives as long as its session. */
public class Session {
    final int id;
    final String user;

    Session(int id, String user) {
        this.id = id;
        this.user = user;
    }
}
