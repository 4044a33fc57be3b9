"""How the render commands report what they did: a check, a folder of landings, a --check run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cli.common import (
    Table,
    _print_json,
    _report,
    check_output_path,
    core,
    out,
)
from generator.cli.console import escape

if TYPE_CHECKING:
    from generator import spec as spec_model
else:  # loaded at first use
    from generator.lazy import lazy

    spec_model = lazy("generator.spec")


def _print_check(spec: Path, result: dict[str, Any]) -> None:
    out.print(
        f"{spec}: valid spec [bold]{result['name']}[/] ({result['region']}, account {result['account_id']})"
    )
    out.print(
        f"  compliance: {', '.join(result['compliance']) or 'none'}; workloads: "
        + ", ".join(f"{w['name']} ({w['type']}, {w['sensitivity']})" for w in result["workloads"])
    )
    out.print(
        f"  would create {result['keys']} KMS keys, {result['buckets']} buckets, {result['roles']} workload roles, "
        f"{result['macie_jobs']} Macie jobs, {len(result['interface_endpoints'])} interface endpoints, "
        f"{result['alarms']} alarms"
    )


def _render_folder(
    specs: Path, output: Path, *, force: bool, adopt: bool, check: bool, as_json: bool
) -> None:
    """Every landing of a specs folder, one at a time; one table; exit non-zero when any failed."""
    from generator import fleet

    if not check:
        check_output_path(output)
        output.mkdir(exist_ok=True)
    outcomes = fleet.render_folder(specs, output, force=force, adopt=adopt, check=check)
    for o in outcomes:
        if o.error is not None:
            _report(o.error)
    ok = ("up-to-date",) if check else ("rendered",)
    if as_json:
        _print_json(
            {
                "specs": str(specs),
                "output": str(output),
                "landings": [o.record() for o in outcomes],
                "failed": sum(o.status not in ok for o in outcomes),
            }
        )
    else:
        table = Table("landing", "spec", "output", "status", "files" if not check else "differences")
        for column in table.columns:
            column.overflow = "fold"  # paths whole, folded on narrow terminals, never cut with an ellipsis
        for o in outcomes:
            detail = (
                str(o.differences)
                if check
                else ", ".join(f"{v} {k}" for k, v in o.counts.items() if v) or "-"
            )
            table.add_row(*map(escape, (o.landing, o.spec, o.output, o.status, detail)))
        out.print(table)
        bad = [o for o in outcomes if o.status not in ok]
        verb = "checked" if check else "rendered"
        out.print(
            f"{len(outcomes) - len(bad)} of {len(outcomes)} landing(s) {'up to date' if check else verb}"
            + (f"; {len(bad)} not: {', '.join(o.landing for o in bad)}" if bad else ""),
            markup=False,
        )
    codes = [o.error.exit_code if o.error is not None else 1 for o in outcomes if o.status not in ok]
    if codes:
        raise SystemExit(max(codes))


def _render_check(spec: Path, output: Path, as_json: bool) -> None:
    report = core.check_render(spec, output)
    if as_json:
        _print_json(report)
    else:
        for d in report["differences"]:
            if d["kind"] == "differs":
                sys.stdout.write(d["diff"])
            message = d.get("message") or d["kind"]
            out.print(f"{output}/{d['path']}: {message}", markup=False)
        for name in report["overrides"]:
            out.print(
                f"note: {output}/{name} overrides generated blocks (a Terraform override file): review "
                "it with them",
                markup=False,
            )
        state = "up to date" if report["up_to_date"] else f"{len(report['differences'])} file(s) differ"
        out.print(f"{output}: {state} with the render of {spec}", markup=False)
    if not report["up_to_date"]:
        raise SystemExit(1)


def _replaces_spec_file(path: Path, text: str) -> bool:
    """Whether saving ``text`` at ``path`` would replace a different file (asked or refused first)."""
    if not path.is_file():
        return False
    return path.read_text(encoding="utf-8", errors="replace") != text
