"""Settings of the shop service, read by the other modules when they are imported.

LEAKY is what the service ships with: every pattern of the zoo leaks. service.py sets it to
False for --churn-only, the same requests served by code that drops or bounds what it keeps.
"""

LEAKY = True
