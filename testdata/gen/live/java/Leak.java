// Leak.java: a small JVM process for the end-to-end tests of memsee capture through jcmd
// (cmd/memsee/live_test.go). Every tick keeps a new Session in the static list SESSIONS, never
// trimmed: an incremental leak. Argument 1 is a number of small objects kept from the start
// (a heap to measure captures against; default 0). A tick that comes more than 50 ms late says
// so on stderr ("paused 120 ms"): how long a capture stopped the program. Run from source
// (JDK 11+):
//
//   java testdata/gen/live/java/Leak.java 1000000 &
//   memsee capture jvm:$!
import java.util.ArrayList;
import java.util.List;

public class Leak {
    static final class Session {
        final int id;
        final byte[] data = new byte[1024];

        Session(int id) {
            this.id = id;
        }
    }

    static final class Item {
        final int n;
        final Item next;

        Item(int n, Item next) {
            this.n = n;
            this.next = next;
        }
    }

    static final List<Session> SESSIONS = new ArrayList<>();
    static Item items;

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        for (int i = 0; i < n; i++) {
            items = new Item(i, items);
        }
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        long last = System.nanoTime();
        for (int id = 0; ; ) {
            for (int i = 0; i < 16; i++) {
                SESSIONS.add(new Session(id++));
            }
            Thread.sleep(10);
            long late = (System.nanoTime() - last) / 1_000_000 - 10;
            if (late > 50) {
                System.err.println("paused " + late + " ms");
            }
            last = System.nanoTime();
        }
    }
}
