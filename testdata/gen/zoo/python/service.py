"""A small shop service with one of each of the leaks memsee's Python zoo plants, all running at
once (see the modules it imports, and testdata/zoo/python/README.md); gen.sh runs it.

    python3 -S service.py --out DIR [--churn-only] [--requests N] [--products N]

It takes three heap dumps, DIR/leak1.json.gz ... leak3.json.gz (churn1 ... churn3 with
--churn-only), with the dumper memsee ships (memsee_dumper.py beside this file):

1. after warm-up: the modules imported, a few catalog pages served, nothing kept yet;
2. after the price cache is warmed and N checkouts are served;
3. after N more checkouts.

With --churn-only the same checkouts are served by code that drops or bounds what it keeps,
and the price cache is not warmed: nothing leaks.
"""

import sys

import settings

_USAGE = "usage: service.py --out DIR [--churn-only] [--requests N] [--products N]"


def _options(argv):
    # By hand, not argparse: its modules would be in every dump.
    opts = {"--out": None, "--requests": "800", "--products": "1500"}
    args = iter(argv)
    for a in args:
        if a == "--churn-only":
            settings.LEAKY = False
        elif a in opts:
            opts[a] = next(args, None)
        else:
            sys.exit(_USAGE)
    if opts["--out"] is None:
        sys.exit(_USAGE)
    return opts["--out"], int(opts["--requests"]), int(opts["--products"])


OUT, REQUESTS, PRODUCTS = _options(sys.argv[1:])

# Imported once settings are final: they read them at import time.
import audit  # noqa: E402
import carts  # noqa: E402
import catalog  # noqa: E402
import customers  # noqa: E402
import db  # noqa: E402
import memsee_dumper  # noqa: E402
import metrics  # noqa: E402
import orders  # noqa: E402
import sessions  # noqa: E402
import wishlists  # noqa: E402

START = 1767225600.0  # the service's clock: requests come every quarter of a second
STAGES = ("accept", "parse", "auth", "session", "cart", "pricing", "tax", "shipping", "orders", "audit",
          "render", "respond")


def render_page(title, lines):
    """Build a response body; garbage once sent."""
    rows = ["<li>%s</li>" % line for line in lines]
    return ("<html><h1>%s</h1><ul>%s</ul></html>" % (title, "".join(rows))).encode()


def browse(request_id):
    ids = [1 + (request_id * 13 + k) % PRODUCTS for k in range(8)]
    return len(render_page("catalog", ["product %d: %d" % (i, catalog.price_of(i)) for i in ids]))


def clock(request_id):
    return START + request_id * 0.25


def checkout(request_id):
    """Serve one checkout. Each module is handed objects of its own (a sku string, a time),
    as separate requests to separate services would be, so that what one keeps is not shared
    with another."""
    user_id = request_id % 250
    session = sessions.open_session(user_id, clock(request_id))
    cart = carts.CartRepository(request_id)
    skus = [1 + (request_id * 7 + k) % PRODUCTS for k in range(2)]
    for k, n in enumerate(skus):
        note = "gift for order %d, wrapped in paper %d" % (request_id, k) if k == 0 else None
        cart.add(carts.CartItem("SKU-%06d" % n, 1 + k, catalog.price_of(n) * 95 // 100, note))
    wishlists.save(user_id, "SKU-%06d" % skus[0], clock(request_id))
    customer = customers.load_customer(100000 + request_id)
    db.execute("INSERT INTO orders (id, user_id, placed_at) VALUES (%s, %s, %s)",
               ("ORD-%08d" % request_id, user_id, clock(request_id)))
    order = orders.place_order("ORD-%08d" % request_id, user_id,
                               [("SKU-%06d" % n, 1 + k, 100 + n) for k, n in enumerate(skus)])
    audit.record_event("checkout", user_id, "order %08d placed by user %d from 10.1.%d.%d with %d items"
                       % (request_id, user_id, request_id % 256, user_id, len(skus)), clock(request_id))
    for i, _ in enumerate(STAGES):
        metrics.request_latency.observe(0.0001 * ((request_id * 31 + i * 7) % 997))
    body = render_page("receipt " + order.order_id,
                       ["%s x%d" % (line.sku, line.quantity) for line in order.lines]
                       + [customer.name, customer.postcode, "total %d" % cart.total_cents()])
    orders.end_request(order)
    sessions.end_request(session)
    db.end_request()
    return len(body)


def dump(n):
    series = "leak" if settings.LEAKY else "churn"
    path = "%s/%s%d.json.gz" % (OUT, series, n)
    count = memsee_dumper.dump_all_objects(path, compresslevel=9)
    print("wrote", path, count, "objects", flush=True)


def main():
    request_id = 0
    for _ in range(50):
        request_id += 1
        browse(request_id)
    dump(1)
    if settings.LEAKY:
        catalog.warm_price_cache(PRODUCTS)
    for n in (2, 3):
        for _ in range(REQUESTS):
            request_id += 1
            browse(request_id)
            checkout(request_id)
        dump(n)


main()
