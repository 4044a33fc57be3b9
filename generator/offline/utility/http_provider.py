"""hashicorp/http offline: there is no network to fetch from, so reading `data.http` fails with a
diagnostic that names the URL (a made-up body would flow silently into CIDRs, policies or keys)."""

from __future__ import annotations

from generator.offline.utility.behaviour import Context, DataSource, Diags, Resource, Values, error


def _read(v: Values, ctx: Context) -> Diags:
    return [
        error(
            "Error making request",
            f"GET {v.get('url')}: the offline rehearsal does not reach the network, so data.http cannot be "
            "read. Pass the value through a variable to rehearse this configuration offline.",
            ["url"],
        )
    ]


RESOURCES: dict[str, Resource] = {}
DATA_SOURCES: dict[str, DataSource] = {"http": DataSource(read=_read)}
