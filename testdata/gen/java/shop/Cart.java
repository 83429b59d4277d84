package shop;

/** Cart is a value of the weak map CARTS. */
public class Cart {
    // Not the Session itself: a value that refers to its key keeps the entry alive for ever.
    final int sessionId;
    final int[] items = new int[4];

    Cart(int sessionId) {
        this.sessionId = sessionId;
    }
}
