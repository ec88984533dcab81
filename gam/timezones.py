"""The time zones a user may pick in the profile and the API."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones people live in (Europe/Stockholm ...), not the Etc/ and legacy aliases."""
    zones = sorted(
        z
        for z in zoneinfo.available_timezones()
        if "/" in z and z.split("/", 1)[0] in _REGIONS and not z.startswith("Etc/")
    )
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}
