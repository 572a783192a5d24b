"""ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes.

The lists come from pycountry (pinned in requirements.txt) and are also written
into the database constraints, so a code outside them cannot be stored at all.
"""

import pycountry

COUNTRY_CODES = tuple(sorted(country.alpha_2 for country in pycountry.countries))
CURRENCY_CODES = tuple(sorted(currency.alpha_3 for currency in pycountry.currencies))


def currency_name(code):
    currency = pycountry.currencies.get(alpha_3=code)
    return currency.name if currency else code
