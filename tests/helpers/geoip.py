"""A tiny MaxMind-format country database, written with mmdb-writer."""
from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def country_db(path: Path, networks: dict[str, str]) -> Path:
    """Write a GeoIP2-Country-shaped database mapping each network ("203.0.113.0/24") to a country code."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country")
    for network, code in networks.items():
        writer.insert_network(IPSet([network]), {"country": {"iso_code": code}})
    writer.to_db_file(str(path))
    return path
