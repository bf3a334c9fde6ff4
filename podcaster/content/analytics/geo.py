"""Countries from a GeoIP2/MaxMind-format database file (``GEOIP_DB``), when one is configured."""
from __future__ import annotations


class CountryLookup:
    """ISO 3166 country codes of addresses; "" when the file has no answer.

    Args:
        path: a MaxMind DB file (GeoLite2-Country, GeoIP2-City, DB-IP's country lite...).

    Raises:
        OSError: the file is missing or unreadable.
        ValueError: the file is not a MaxMind DB (maxminddb's InvalidDatabaseError is a RuntimeError, which
            callers expecting a bad setting would not catch).
    """

    def __init__(self, path: str) -> None:
        import maxminddb  # only a site with a database pays for the import

        try:
            self._reader = maxminddb.open_database(path)
        except maxminddb.InvalidDatabaseError as error:
            raise ValueError(f"not a MaxMind DB file: {error}") from error

    # No cache of answers: it would keep listeners' raw addresses in memory after their hits are written.
    def country(self, address: str) -> str:
        """The country code of ``address``, or "" when the database has none."""
        try:
            record = self._reader.get(address)
        except ValueError:
            return ""
        if not isinstance(record, dict):
            return ""
        country = record.get("country") or record.get("registered_country") or {}
        code = country.get("iso_code", "") if isinstance(country, dict) else ""
        return code.upper() if isinstance(code, str) and len(code) == 2 else ""

    def close(self) -> None:
        self._reader.close()


def no_country(address: str) -> str:
    """The lookup without a database: no country."""
    return ""


def country_lookup(path: str | None):
    """The lookup for a configured database file, or ``no_country`` when none is configured.

    Raises:
        OSError, ValueError: the file is missing or not a MaxMind DB.
    """
    return CountryLookup(path).country if path else no_country
