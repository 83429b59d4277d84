"""leak.py: a small Python process running memsee's dumper, for the end-to-end tests of memsee
capture by signal (cmd/memsee/live_test.go).

It installs the dumper's SIGUSR1 handler (memsee_dumper, the output of `memsee dumper python`,
must be on its path; the directory comes from MEMSEE_DUMP_DIR), then keeps a new Session in
the module's `sessions` list at every tick, never trimmed: an incremental leak. Argument 1 is
a number of small objects kept from the start (a heap to measure captures against; default 0).
A tick that comes more than 50 ms late says so on stderr ("paused 120 ms"): how long a
capture stopped the program.

    memsee dumper python > memsee_dumper.py
    MEMSEE_DUMP_DIR=$PWD/dumps python3 testdata/gen/live/python/leak.py 1000000 &
    memsee capture python:$!
"""

import sys
import time

import memsee_dumper


class Session:
    def __init__(self, id):
        self.id = id
        self.data = "x" * 1024 + str(id)


class Item:
    __slots__ = ("n", "next")

    def __init__(self, n, next):
        self.n = n
        self.next = next


sessions = []
items = None


def main():
    global items
    memsee_dumper.install_signal_handler()
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 0):
        items = Item(i & 255, items)  # small ints are shared: one object per item
    print("ready", flush=True)
    n = 0
    last = time.monotonic()
    while True:
        for _ in range(16):
            sessions.append(Session(n))
            n += 1
        time.sleep(0.01)
        late = time.monotonic() - last - 0.01
        if late > 0.05:
            print("paused %d ms" % (late * 1000), file=sys.stderr, flush=True)
        last = time.monotonic()


if __name__ == "__main__":
    main()
