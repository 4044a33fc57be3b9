"""hashicorp/time offline: `time_static`, `time_offset` and `time_rotating` take the time of the
apply (or the configured `rfc3339`); `time_rotating` is replaced once its rotation time has passed
(seen at refresh, as the provider does); `time_sleep` records its creation but does not wait:
there is nothing to wait for offline."""

from __future__ import annotations

import calendar
import datetime
import re

from generator.offline.utility.behaviour import (
    Context,
    DataSource,
    Diags,
    Resource,
    Values,
    at_least,
    error,
    known,
)

_UTC = datetime.timezone.utc


def _now() -> datetime.datetime:
    return datetime.datetime.now(_UTC).replace(microsecond=0)


def _format(t: datetime.datetime) -> str:
    return t.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_UTC)
    except ValueError:
        return None


def _parts(v: Values, t: datetime.datetime) -> None:
    v.update(year=t.year, month=t.month, day=t.day, hour=t.hour, minute=t.minute, second=t.second,
             unix=calendar.timegm(t.utctimetuple()))  # fmt: skip


def _rfc3339_check(cfg: Values, name: str) -> Diags:
    value = cfg.get(name)
    if known(value) and _parse(value) is None:
        return [
            error(
                "Invalid Attribute Value",
                f'Attribute {name} value must be a string in RFC3339 format, got: "{value}"',
                [name],
            )
        ]
    return []


def _add_months(t: datetime.datetime, months: int) -> datetime.datetime:
    month = t.month - 1 + months
    year, month = t.year + month // 12, month % 12 + 1
    day = min(t.day, calendar.monthrange(year, month)[1])
    return t.replace(year=year, month=month, day=day)


def _static_apply(v: Values, ctx: Context) -> Diags:
    t = _parse(v["rfc3339"]) if known(v.get("rfc3339")) else _now()
    assert t is not None
    v["rfc3339"] = v["id"] = _format(t)
    _parts(v, t)
    return []


def _offset_apply(v: Values, ctx: Context) -> Diags:
    base = _parse(v["base_rfc3339"]) if known(v.get("base_rfc3339")) else _now()
    assert base is not None
    t = _add_months(base, int(v.get("offset_years") or 0) * 12 + int(v.get("offset_months") or 0))
    t += datetime.timedelta(days=int(v.get("offset_days") or 0), hours=int(v.get("offset_hours") or 0),
                            minutes=int(v.get("offset_minutes") or 0), seconds=int(v.get("offset_seconds") or 0))  # fmt: skip
    v["base_rfc3339"] = v["id"] = _format(base)
    v["rfc3339"] = _format(t)
    _parts(v, t)
    return []


# In the provider's order (its diagnostic lists them so).
_ROTATIONS = (
    "rotation_minutes",
    "rotation_hours",
    "rotation_days",
    "rotation_months",
    "rotation_years",
    "rotation_rfc3339",
)


def _rotating_validate(cfg: Values) -> Diags:
    diags: Diags = []
    for name in _ROTATIONS[:-1]:
        diags += at_least(cfg, name, 1)
    if all(cfg.get(n) is None for n in _ROTATIONS):
        diags.append(
            error(
                "Missing Attribute Configuration",
                f"At least one attribute out of [{','.join(_ROTATIONS)}] must be specified",
            )
        )
    return diags + _rfc3339_check(cfg, "rfc3339") + _rfc3339_check(cfg, "rotation_rfc3339")


def _rotation(v: Values, base: datetime.datetime) -> datetime.datetime:
    rotation = _add_months(base, int(v.get("rotation_years") or 0) * 12 + int(v.get("rotation_months") or 0))
    return rotation + datetime.timedelta(days=int(v.get("rotation_days") or 0), hours=int(v.get("rotation_hours") or 0),
                                         minutes=int(v.get("rotation_minutes") or 0))  # fmt: skip


def _rotating_apply(v: Values, ctx: Context) -> Diags:
    base = _parse(v["rfc3339"]) if known(v.get("rfc3339")) else _now()
    assert base is not None
    given = v.get("rotation_rfc3339")
    rotation = (_parse(given) if known(given) and given else None) or _rotation(v, base)
    v["rfc3339"] = v["id"] = _format(base)
    v["rotation_rfc3339"] = _format(rotation)
    _parts(v, base)
    return []


def _rotating_plan(v: Values, config: Values, prior: Values | None) -> Diags:
    """Rotation arguments change in place: the new rotation time counts from the same base."""
    if prior is not None and config.get("rotation_rfc3339") is None:
        base = _parse(prior.get("rfc3339") or "")
        if base is not None and any(v.get(n) != prior.get(n) for n in _ROTATIONS[:-1]):
            v["rotation_rfc3339"] = _format(_rotation(v, base))
    return []


def _rotating_read(v: Values, ctx: Context) -> Values | None:
    """Gone once its rotation time has passed (so the next plan creates it anew)."""
    rotation = _parse(v.get("rotation_rfc3339") or "")
    return None if rotation is not None and _now() > rotation else v


_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


def _sleep_validate(cfg: Values) -> Diags:
    diags: Diags = []
    for name in ("create_duration", "destroy_duration"):
        value = cfg.get(name)
        if known(value) and not _DURATION.match(value):
            diags.append(
                error(
                    "Invalid Attribute Value Match",
                    f"Attribute {name} must be a number immediately followed by ms (milliseconds), s (seconds), "
                    f'm (minutes), or h (hours). For example, "30s" for 30 seconds., got: "{value}"',
                    [name],
                )
            )
    return diags


def _sleep_apply(v: Values, ctx: Context) -> Diags:
    v["id"] = _format(_now())
    return []


RESOURCES: dict[str, Resource] = {
    "time_static": Resource(validate=lambda c: _rfc3339_check(c, "rfc3339"), apply=_static_apply),
    "time_offset": Resource(validate=lambda c: _rfc3339_check(c, "base_rfc3339"), apply=_offset_apply),
    "time_rotating": Resource(
        in_place=frozenset(_ROTATIONS),
        validate=_rotating_validate,
        plan=_rotating_plan,
        apply=_rotating_apply,
        update=_rotating_apply,
        read=_rotating_read,
    ),
    "time_sleep": Resource(
        in_place=frozenset({"create_duration", "destroy_duration"}),
        validate=_sleep_validate,
        apply=_sleep_apply,
    ),
}
DATA_SOURCES: dict[str, DataSource] = {}
