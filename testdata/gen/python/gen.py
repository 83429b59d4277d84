"""Regenerate memsee's Python test dumps: testdata/python/shop{1..4}.json.gz (the shop service
with its static and incremental leaks, see shop.py) and churn{1..4}.json.gz (the same service
with the leaks turned off: a control series that only churns).

    python3 testdata/gen/python/gen.py --out testdata/python

Each series dumps once a minute (--interval), so it takes three minutes: the dumps' gzip
headers record when each was taken, and memsee's rates per hour come from them.

Each series runs in a fresh interpreter (python3 -S, so that the site machinery does not
bloat the dumps), in which shop is imported as a module: the dumps have a module named shop
with PRICE_TABLE and _audit_log in its __dict__.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def child(argv):
    # gen.py --child OUT SERIES SNAPSHOTS REQUESTS PRODUCTS LEAK INTERVAL; no argparse here, to keep
    # its modules out of the dump.
    out, series, snapshots, requests, products, leak, interval = argv
    sys.path.insert(0, _HERE)
    import shop

    shop.run(out, series, int(snapshots), int(requests), int(products), leak == "1", float(interval))


def main(argv):
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    import argparse
    import subprocess

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(_HERE, "..", "..", "python"), help="directory to write the dumps to")
    ap.add_argument("--snapshots", type=int, default=4, help="dumps per series")
    ap.add_argument("--requests", type=int, default=300, help="requests served before each dump")
    ap.add_argument("--products", type=int, default=2000, help="rows of the price table (static leak)")
    ap.add_argument("--interval", type=float, default=60, help="seconds between two dumps of a series")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    # The two series run side by side: each takes (snapshots - 1) * interval seconds.
    children = []
    for series, leak in (("shop", "1"), ("churn", "0")):
        cmd = [sys.executable, "-S", os.path.abspath(__file__), "--child", args.out, series,
               str(args.snapshots), str(args.requests), str(args.products), leak, str(args.interval)]
        children.append(subprocess.Popen(cmd))
    for c in children:
        if c.wait() != 0:
            sys.exit("gen.py: %s exited %d" % (" ".join(c.args), c.returncode))


if __name__ == "__main__":
    main(sys.argv[1:])
