"""Requirement catalogues aligned with Prowler's (github.com/prowler-cloud/prowler): the same
requirement ids per regime, each classified and mapped to our controls or out of scope with the reason.

Prowler's published catalogues (``prowler/compliance/aws/*.json`` in its wheel) are read from the
pinned package, downloaded once with pip into aisec's cache and checked against its sha256, as the
offline provider's schema is. Prowler is never installed (its pins would break checkov's).

``python -m generator.decide.prowler`` rebuilds ``generator/data/prowler.yaml`` from the pinned catalogues,
our check table (``data/prowler_checks.yaml``) and our titles (``data/prowler_titles.yaml``);
tests/test_prowler.py fails when the committed catalogue drifts from either.

A requirement is classified by its checks:
  procedural: Prowler checks nothing for it (a process, document or organisational measure);
  technical:  at least one check concerns resources the landing creates (in reach), or its checks
              concern services the landing does not create (then out of scope, with the services);
  account:    every check concerns account- or organization-wide settings.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator.cache import atomic_write, cache_root
from generator.catalog import load_yaml
from generator.spec import Regime

PROWLER_VERSION = "5.46.0"
WHEEL = f"prowler-{PROWLER_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "b6266ec51f2879863d4c4341b12885a6cd892f0bba710b29641432caaab037fd"
# Our regime names -> Prowler's catalogue files (prowler/compliance/aws/<file>).
REGIME_FILES: dict[Regime, str] = {
    Regime.HIPAA: "hipaa_aws.json",
    Regime.PCI_DSS: "pci_4.0_aws.json",
    Regime.GDPR: "gdpr_aws.json",
    Regime.SOC2: "soc2_aws.json",
    Regime.FEDRAMP_MODERATE: "fedramp_moderate_revision_4_aws.json",
    Regime.AI_SECURITY: "aws_ai_security_framework_aws.json",
}
REGIME_TITLES: dict[Regime, str] = {
    Regime.HIPAA: "HIPAA (45 CFR 164.308 and 164.312)",
    Regime.PCI_DSS: "PCI DSS v4.0",
    Regime.GDPR: "GDPR (Articles 25, 30 and 32)",
    Regime.SOC2: "SOC 2 Trust Services Criteria",
    Regime.FEDRAMP_MODERATE: "FedRAMP Moderate (NIST SP 800-53 Rev. 4)",
    Regime.AI_SECURITY: "AWS AI Security Framework",
}
CLASSIFICATIONS = ("technical", "account", "procedural")
# PCI DSS v4.0's principal requirements, in our words (titles of Prowler's PCI requirements, whose
# names are AWS service names).
PCI_PRINCIPAL: dict[str, str] = {
    "1": "Network security controls",
    "2": "Secure configurations",
    "3": "Protection of stored account data",
    "4": "Strong cryptography in transmission",
    "5": "Protection against malicious software",
    "6": "Secure systems and software",
    "7": "Access restricted by business need to know",
    "8": "User identification and authentication",
    "9": "Physical access",
    "10": "Logging and monitoring",
    "11": "Regular security testing",
    "12": "Information security policies and programs",
    "A1": "Multi-tenant service providers",
    "A2": "SSL/early TLS for card-present terminals",
    "A3": "Designated entities supplemental validation",
}
DATA = Path(__file__).parent.parent / "data"
CATALOGUE_DIR = DATA / "prowler"  # one file per regime: <regime>.yaml
CHECKS_FILE = DATA / "prowler_checks.yaml"
TITLES_FILE = DATA / "prowler_titles.yaml"


class ProwlerError(RuntimeError):
    pass


def wheel_path() -> Path:
    """The pinned Prowler wheel in aisec's cache, downloaded with pip on first use and verified."""
    path = cache_root("prowler") / WHEEL
    if not path.exists():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--dest", tmp, f"prowler=={PROWLER_VERSION}"],
                check=True,
            )  # fmt: skip
            atomic_write(path, (Path(tmp) / WHEEL).read_bytes(), mode=0o644)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        path.unlink()
        raise ProwlerError(f"{WHEEL}: sha256 {digest}, expected {WHEEL_SHA256}; removed from the cache")
    return path


def published(regime: Regime, wheel: Path | None = None) -> dict[str, Any]:
    """Prowler's published catalogue of a regime, read from the pinned wheel."""
    with zipfile.ZipFile(wheel or wheel_path()) as z:
        return json.loads(z.read(f"prowler/compliance/aws/{REGIME_FILES[regime]}"))  # type: ignore[no-any-return]


def drift(regime: Regime, wheel: Path | None = None) -> list[str]:
    """How our catalogue of a regime differs from Prowler's pinned one: requirement ids added or
    removed upstream, checks changed, checks our table does not place. Empty when aligned."""
    theirs = {str(r["Id"]): list(r.get("Checks") or []) for r in published(regime, wheel)["Requirements"]}
    ours = {r["id"]: r["checks"] for r in requirements(regime)}
    table = check_table()
    out = [f"{regime.value}: {i} is in Prowler's catalogue, not in ours" for i in theirs if i not in ours]
    out += [f"{regime.value}: {i} is in our catalogue, not in Prowler's" for i in ours if i not in theirs]
    out += [
        f"{regime.value}: {i}: Prowler's checks changed" for i in theirs if i in ours and ours[i] != theirs[i]
    ]
    for check in sorted({c for checks in theirs.values() for c in checks}):
        try:
            where(check, table)
        except KeyError:
            out.append(f"{regime.value}: check {check} is not placed in data/prowler_checks.yaml")
    return out


def _yaml(path: Path) -> Any:
    return load_yaml(path.read_text(encoding="utf-8"))


@cache
def check_table() -> dict[str, Any]:
    return _yaml(CHECKS_FILE)  # type: ignore[no-any-return]


def where(check: str, table: dict[str, Any]) -> tuple[str, Any]:
    """Where a check stands: ("controls", [ids]) | ("gap", reason) | ("account", reason) |
    ("outside", reason). KeyError when the table does not know it."""
    if check in table["controls"]:
        return "controls", table["controls"][check]
    if check in table["gaps"]:
        return "gap", table["gaps"][check]
    if check in table["account"]:
        return "account", table["account"][check]
    return "outside", table["services"][check.split("_")[0]]


_CITATION = re.compile(r"^(Article \d+|\S*\d\S*)(\s+|$)")
_TRAILING = re.compile(r"\s*\([A-Z]{2}-[\d()]+\)\)?$")


def _heading(text: str) -> str:
    """A regulation's heading without its citation: '164.312(b) Audit controls' -> 'Audit controls'."""
    return _TRAILING.sub("", _CITATION.sub("", text.strip(), count=1)).strip()


def _title(regime: Regime, req: dict[str, Any], titles: dict[str, Any]) -> str:
    rid = str(req["Id"])
    if regime.value in titles:
        return str(titles[regime.value][rid])
    if regime is Regime.PCI_DSS:
        return f"{PCI_PRINCIPAL[rid.split('.')[0]]} ({req['Name']})"
    attrs = (req.get("Attributes") or [{}])[0]
    for text in (req["Name"], attrs.get("SubSection") or "", attrs.get("Section") or ""):
        if heading := _heading(str(text)):
            return heading
    return rid


def build(wheel: Path | None = None) -> dict[str, Any]:
    """Our catalogue from the pinned Prowler catalogues, our check table and our titles."""
    from generator.decide.policy import CONTROLS_BY_ID

    table, texts = check_table(), _yaml(TITLES_FILE)
    order = list(CONTROLS_BY_ID)
    regimes: dict[str, Any] = {}
    for regime, filename in REGIME_FILES.items():
        src = published(regime, wheel)
        rows = []
        for req in src["Requirements"]:
            rid, checks = str(req["Id"]), list(req.get("Checks") or [])
            placed = [(c, *where(c, table)) for c in checks]
            controls = sorted({i for _, kind, v in placed if kind == "controls" for i in v}, key=order.index)
            gaps = [c for c, kind, _ in placed if kind == "gap"]
            row: dict[str, Any] = {"id": rid, "title": _title(regime, req, texts["titles"])}
            override = texts["overrides"].get(regime.value, {}).get(rid)
            beyond = texts["out_of_reach"].get(regime.value, {}).get(rid)
            if override:
                row["classification"] = "procedural"
                row["out_of_scope_reason"] = override
            elif beyond:
                row["classification"] = "technical"
                row["out_of_scope_reason"] = beyond
            elif not checks:
                row["classification"] = "procedural"
                row["out_of_scope_reason"] = (
                    texts["procedural"]
                    .get(regime.value, {})
                    .get(rid, "Prowler checks nothing here: a process, document or organisational measure.")
                )
            elif controls or gaps:
                row["classification"] = "technical"
            elif all(kind == "account" for _, kind, _ in placed):
                row["classification"] = "account"
                reasons = sorted({v for _, _, v in placed})
                row["out_of_scope_reason"] = "Account or organization settings: " + "; ".join(reasons) + "."
            else:
                row["classification"] = "technical"
                reasons = sorted({v for _, kind, v in placed if kind == "outside"})
                account = sorted({v for _, kind, v in placed if kind == "account"})
                text = "Its checks concern resources the landing does not create: " + "; ".join(reasons)
                if account:
                    text += "; and account settings: " + "; ".join(account)
                row["out_of_scope_reason"] = text + "."
            row["checks"] = checks
            row["controls"] = controls
            if gaps:
                row["gaps"] = gaps
            row["families"] = sorted({CONTROLS_BY_ID[i].family for i in controls})
            rows.append(row)
        regimes[regime.value] = {
            "title": REGIME_TITLES[regime],
            "prowler": {"version": PROWLER_VERSION, "sha256": WHEEL_SHA256, "file": filename},
            "requirements": rows,
        }
    return {"regimes": regimes}


HEADER = (
    "# GENERATED by `python -m generator.decide.prowler` from Prowler's pinned catalogue, data/prowler_checks.yaml\n"
    "# and data/prowler_titles.yaml: edit those, then rebuild. Per Prowler requirement id: classification\n"
    "# (technical | account | procedural), Prowler's checks, our controls (the checks' controls), gaps\n"
    "# (checks in reach no control passes), families (of the controls) and, where it is out of the\n"
    "# landing's reach, the reason.\n"
)


def dump(entry: dict[str, Any]) -> str:
    class _Dumper(yaml.SafeDumper):
        pass

    def _flow_list(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
        flow = all(isinstance(v, str) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    _Dumper.add_representer(list, _flow_list)
    return HEADER + yaml.dump(entry, Dumper=_Dumper, sort_keys=False, width=1_000_000, allow_unicode=True)


def catalogue_file(regime: Regime) -> Path:
    return CATALOGUE_DIR / f"{regime.value}.yaml"


@cache
def catalogue(regime: Regime) -> dict[str, Any]:
    """The committed catalogue of a regime (generator/data/prowler/<regime>.yaml), read when needed."""
    return _yaml(catalogue_file(regime))  # type: ignore[no-any-return]


def requirements(regime: Regime) -> list[dict[str, Any]]:
    return catalogue(regime)["requirements"]  # type: ignore[no-any-return]


def in_reach(regime: Regime) -> list[dict[str, Any]]:
    """The regime's requirements in reach of a landing: technical and not out of scope."""
    return [
        r
        for r in requirements(regime)
        if r["classification"] == "technical" and not r.get("out_of_scope_reason")
    ]


def main() -> None:
    CATALOGUE_DIR.mkdir(exist_ok=True)
    for name, entry in build()["regimes"].items():
        path = catalogue_file(Regime(name))
        path.write_text(dump(entry), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
