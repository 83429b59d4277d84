"""Shopping carts.

Incremental leak (a class attribute list): CartRepository.items is a list in the class body,
so every repository shares it, and add() appends every CartItem ever added to it.
"""

import settings


class CartItem:
    def __init__(self, sku, quantity, unit_price_cents, gift_note):
        self.sku = sku
        self.quantity = quantity
        self.unit_price_cents = unit_price_cents
        self.gift_note = gift_note


class CartRepository:
    items = []  # meant to be per instance; one list shared by the class

    def __init__(self, cart_id):
        self.cart_id = cart_id
        if not settings.LEAKY:
            self.items = []

    def add(self, item):
        self.items.append(item)

    def total_cents(self):
        return sum(i.quantity * i.unit_price_cents for i in self.items[-4:])
