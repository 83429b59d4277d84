"""The catalog: products and their prices.

Static leak: warm_price_cache loads every product into _price_cache once, at start-up, and
nothing ever evicts them (the whole catalog stays in memory for the process's life).
"""


class Product:
    def __init__(self, product_id, sku, name, price_cents, category, tags):
        self.product_id = product_id
        self.sku = sku
        self.name = name
        self.price_cents = price_cents
        self.category = category
        self.tags = tags


_price_cache = {}  # product id -> Product


def _load_product(product_id):
    """Read a product from the database (made up here)."""
    n = product_id
    sku = "SKU-%06d" % n
    return Product(n, sku, "Product %s, size %d" % (sku, n % 7), 199 + n % 5000, "category-%d" % (n % 12),
                   ["sale" if n % 3 == 0 else "regular", "warehouse-%d" % (n % 4)])


def warm_price_cache(count):
    for product_id in range(1, count + 1):
        _price_cache[product_id] = _load_product(product_id)


def price_of(product_id):
    product = _price_cache.get(product_id)
    if product is None:
        product = _load_product(product_id)
    return product.price_cents
