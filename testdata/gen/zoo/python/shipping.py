"""Shipping quotes.

Incremental leak (an unbounded functools.lru_cache): quote_shipping is memoized without a
bound, and called with every order's postcode and weight, so every quote is kept.
"""

import functools

import settings


class ShippingQuote:
    def __init__(self, carrier, postcode, price_cents, days):
        self.carrier = carrier
        self.postcode = postcode
        self.price_cents = price_cents
        self.days = days
        self.label = "%s to %s in %d days" % (carrier, postcode, days)


@functools.lru_cache(maxsize=None if settings.LEAKY else 32)
def quote_shipping(postcode, weight_grams):
    carrier = ("royal-mail", "dpd", "evri")[weight_grams % 3]
    return ShippingQuote(carrier, postcode, 295 + weight_grams // 10, 1 + weight_grams % 4)
