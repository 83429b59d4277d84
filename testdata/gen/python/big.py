"""Write a large real heap dump of a Python process, for memsee's benchmarks.

    python3 testdata/gen/python/big.py --objects 1000000 --out bench/.data/meliae-1M.json

builds, in this process, a heap shaped like a long-running service and dumps it with the dumper
memsee ships (internal/heap/meliae/dumper.py; gzip'd when --out ends in .gz). The heap holds,
scaled to --objects (the interpreter's own ~30,000 objects included):

- a cache: a dict of str keys to Session instances, each with a __dict__ of str, int, float,
  bytes, a list of tags and a nested dict of settings;
- an audit log: a list of Event instances with a tuple of fields;
- linked chains of Node instances 1,000 deep (objects that only a long path reaches);
- a few garbage cycles, kept because the collector is disabled while the heap is built.

`make bench` (bench/graph_test.go) runs it with 1,000,000 and 10,000,000 objects into
bench/.data/, and `make bench-large` (bench/large_test.go) with 30,000,000 and 100,000,000 into
bench/.data-large/, which git ignores. The process peaks at about 100 bytes per object. Content
is seeded: the same --objects gives the same shapes.
"""
import argparse
import gc
import importlib.util
import os
import random
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_dumper():
    path = os.path.join(HERE, "..", "..", "..", "internal", "heap", "meliae", "dumper.py")
    spec = importlib.util.spec_from_file_location("memsee_dumper", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Session:
    def __init__(self, i, rng, prev):
        self.prev = prev
        self.user = "user-%d" % i
        self.id = i
        self.score = rng.random()
        self.token = b"t%09d" % i
        self.tags = ["tag-%d" % (i % 97), "tag-%d" % (i % 89)]
        self.settings = {"lang": "en", "page": i % 50}


class Event:
    def __init__(self, i, session):
        self.session = session
        self.seq = i
        self.fields = ("GET", "/item/%d" % (i % 1000), 200 + i % 5)


class Node:
    def __init__(self, nxt, i):
        self.next = nxt
        self.n = i


# Per unit of each kind, about how many objects the dump holds (instance, its __dict__, and
# the new strings, numbers, lists, tuples and dicts it refers to).
SESSION_OBJECTS = 10
EVENT_OBJECTS = 5
NODE_OBJECTS = 3


def build(n, rng):
    base = len(gc.get_objects())
    budget = max(n - base - 40000, 1000)
    sessions = budget * 5 // 10 // SESSION_OBJECTS
    events = budget * 4 // 10 // EVENT_OBJECTS
    nodes = budget * 1 // 10 // NODE_OBJECTS
    state = {"cache": {}, "log": [], "chains": [], "garbage": 0}
    cache = state["cache"]
    prev = None
    recent = []
    for i in range(sessions):
        prev = cache["session-%d" % i] = Session(i, rng, prev)
        if i % 100 == 0:
            recent.append(prev)
    log = state["log"]
    for i in range(events):
        log.append(Event(i, recent[rng.randrange(len(recent))]))
    for c in range(max(nodes // 1000, 1)):
        head = None
        for i in range(min(1000, nodes)):
            head = Node(head, i)
        state["chains"].append(head)
    for i in range(100):  # garbage cycles: unreachable, waiting for a collector
        a, b = [i], [i]
        a.append(b)
        b.append(a)
    state["garbage"] = 100
    return state


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    gc.disable()
    dumper = load_dumper()
    rng = random.Random(1)
    t0 = time.time()
    global STATE
    STATE = build(args.objects, rng)
    t1 = time.time()
    dumper.dump_all_objects(args.out, collect=False)
    t2 = time.time()
    with open(args.out, "rb") as f:
        lines = sum(1 for _ in f) if not args.out.endswith(".gz") else -1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print("big.py: %s objects, %.0f MB, built in %.1f s, dumped in %.1f s, python peak RSS %.0f MB" % (
        lines if lines >= 0 else "?", os.path.getsize(args.out) / 1e6, t1 - t0, t2 - t1, rss / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
