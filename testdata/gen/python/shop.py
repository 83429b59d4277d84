"""shop is a small shop service simulation with planted leaks, whose heap memsee's Python tests
dump (through gen.py, which imports it, so that it is a real module named shop):

- a static leak: load_price_table fills the module global PRICE_TABLE (a dict of SKU -> Product)
  once, before snapshot 2, and nothing ever empties it;
- an incremental leak: every request appends an AuditEntry to the module global _audit_log, a
  list that is never trimmed;
- churn: every request builds a cart and a response (dicts, lists, strings) that are garbage
  as soon as it returns.

Dumps are taken the way a service would take them: install_dump_handler makes SIGUSR1 write
one, with the dumper memsee ships (internal/heap/meliae/dumper.py, loaded by path so that there
is one copy of it).
"""

import importlib.util
import os
import signal

_HERE = os.path.dirname(os.path.abspath(__file__))
DUMPER = os.path.join(_HERE, "..", "..", "..", "internal", "heap", "meliae", "dumper.py")


def load_dumper(path=DUMPER):
    """Import memsee's dumper from its file."""
    spec = importlib.util.spec_from_file_location("memsee_dumper", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Product:
    """A row of the price table (the static leak)."""

    def __init__(self, sku, name, price, tags):
        self.sku = sku
        self.name = name
        self.price = price
        self.tags = tags


class AuditEntry:
    """Kept for every request (the incremental leak)."""

    def __init__(self, request_id, path, user, payload):
        self.request_id = request_id
        self.path = path
        self.user = user
        self.payload = payload


# A file name as os.listdir returns it when it is not UTF-8: with a lone surrogate ("\udce9"),
# which the dumper writes as meliae does, as a JSON escape that decodes to no valid character.
# memsee's reader must repair it.
PRICE_FEED = os.fsdecode(b"price-feed-\xe9t\xe9.csv")

PRICE_TABLE = {}  # static leak: SKU -> Product, loaded once and kept
_audit_log = []  # incremental leak: one AuditEntry per request, never trimmed


def load_price_table(n):
    for i in range(n):
        sku = "SKU-%06d" % i
        PRICE_TABLE[sku] = Product(sku, "product " + sku, i * 100, ["catalog", "tier-%d" % (i % 3)])


def render_response(request_id, cart):
    lines = ["line %d of response %d: %s x%d" % (i, request_id, item["sku"], item["qty"])
             for i, item in enumerate(cart)]
    return "\n".join(lines).encode()


def handle_request(request_id, leak=True):
    """Serve one checkout. Everything it makes is garbage when it returns, except the audit
    entry when leak is set."""
    cart = [{"sku": "SKU-%06d" % ((request_id * 7 + k) % 5000), "qty": 1 + k} for k in range(4)]
    body = render_response(request_id, cart)
    if leak:
        user = "user-%d" % (request_id % 97)
        _audit_log.append(AuditEntry(request_id, "/checkout", user, bytes(128)))
    return len(body)


def install_dump_handler(next_path):
    """Make SIGUSR1 write a heap dump to next_path() (a function, called once per dump)."""
    dumper = load_dumper()

    def dump(signum, frame):
        dumper.dump_all_objects(next_path(), compresslevel=9)  # small files to commit

    signal.signal(signal.SIGUSR1, dump)


def run(out, series="shop", snapshots=4, requests=300, products=2000, leak=True, interval=60.0):
    """Serve requests and write snapshots out/<series>1.json.gz... (SIGUSR1 to this process
    after each batch of requests), one every interval seconds, as a service is dumped over
    time: each dump's gzip header records when it was taken, which memsee's rates per hour
    come from."""
    import time  # here, not at the top: the module shop's __dict__ stays as it was

    paths = []

    def next_path():
        paths.append(os.path.join(out, "%s%d.json.gz" % (series, len(paths) + 1)))
        return paths[-1]

    install_dump_handler(next_path)
    request_id = 0
    start = time.monotonic()
    for snap in range(1, snapshots + 1):
        if snap == 2 and leak:
            load_price_table(products)
        for _ in range(requests):
            request_id += 1
            handle_request(request_id, leak)
        wait = start + (snap - 1) * interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        os.kill(os.getpid(), signal.SIGUSR1)  # the handler runs before the next bytecode
        print("wrote", paths[-1], flush=True)
    return paths
