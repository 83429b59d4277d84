"""Orders.

Incremental leak (a reference cycle kept by a registry): an Order holds its OrderLines and
each OrderLine points back at its Order; place_order registers every Order in _open_orders,
and only complete() removes it, which the shop forgets to call. The cycle alone would be
collected (no __del__ anywhere); the registry keeps it.
"""

import settings


class Order:
    def __init__(self, order_id, user_id):
        self.order_id = order_id
        self.user_id = user_id
        self.status = "open"
        self.lines = []

    def add_line(self, sku, quantity, price_cents):
        self.lines.append(OrderLine(self, sku, quantity, price_cents))


class OrderLine:
    def __init__(self, order, sku, quantity, price_cents):
        self.order = order  # back to the order: a cycle
        self.sku = sku
        self.quantity = quantity
        self.price_cents = price_cents


_open_orders = set()


def place_order(order_id, user_id, lines):
    """Register an order of lines, (sku, quantity, price_cents) each."""
    order = Order(order_id, user_id)
    for sku, quantity, price_cents in lines:
        order.add_line(sku, quantity, price_cents)
    _open_orders.add(order)
    return order


def complete(order):
    order.status = "complete"
    _open_orders.discard(order)


def end_request(order):
    if not settings.LEAKY:
        complete(order)
