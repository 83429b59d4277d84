"""Wishlists.

Incremental leak (a dict of lists): _wishlists maps each user to the list of the items they
saved from a receipt, and nothing ever takes one out. The churn-only service hands the list
back to the caller, which drops it once the page is rendered.
"""

import settings


class WishlistItem:
    def __init__(self, sku, saved_at, note):
        self.sku = sku
        self.saved_at = saved_at
        self.note = note


_wishlists = {}


def save(user_id, sku, saved_at):
    """Save a product to the user's wishlist; return how many the user has saved."""
    key = "user-%d" % user_id
    items = _wishlists.setdefault(key, []) if settings.LEAKY else []
    items.append(WishlistItem(sku, saved_at, "saved from the receipt of %s at %.2f" % (sku, saved_at)))
    return len(items)
