"""Customers.

Incremental leak (an unbounded functools.lru_cache): load_customer is memoized without a
bound, and every checkout is by a new customer, so every Customer ever loaded is kept.
"""

import functools

import settings


class Customer:
    def __init__(self, customer_id, name, email, postcode):
        self.customer_id = customer_id
        self.name = name
        self.email = email
        self.postcode = postcode
        self.loyalty_tier = ("bronze", "silver", "gold")[customer_id % 3]


@functools.lru_cache(maxsize=None if settings.LEAKY else 32)
def load_customer(customer_id):
    """Read a customer from the customer service (made up here)."""
    return Customer(customer_id, "Customer %d" % customer_id, "customer%d@example.com" % customer_id,
                    "N%d %dAB" % (1 + customer_id % 22, customer_id % 10))
