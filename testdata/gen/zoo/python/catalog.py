"""The catalog: products and their prices.

Static leak: warm_price_cache loads every product into _price_cache once, at start-up, and
nothing ever evicts them (the whole catalog stays in memory for the process's life).
"""


class Product:
    def __init__(self, sku, name, price_cents, category, tags):
        self.sku = sku
        self.name = name
        self.price_cents = price_cents
        self.category = category
        self.tags = tags


_price_cache = {}  # sku -> Product


def _load_product(sku):
    n = int(sku[4:])
    return Product(sku, "Product %s, size %d" % (sku, n % 7), 199 + n % 5000, "category-%d" % (n % 12),
                   ["sale" if n % 3 == 0 else "regular", "warehouse-%d" % (n % 4)])


def warm_price_cache(count):
    for n in range(count):
        sku = "SKU-%06d" % n
        _price_cache[sku] = _load_product(sku)


def price_of(sku):
    product = _price_cache.get(sku)
    if product is None:
        product = _load_product(sku)
    return product.price_cents
