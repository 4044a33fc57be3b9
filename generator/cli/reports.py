"""`aisec compliance`, `cost`, `diagram` and `schema`: what a spec's root module holds, costs and looks like."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from generator.cli.common import (
    JsonOpt,
    SpecArg,
    Table,
    _print_json,
    app,
    check_output_path,
    core,
    err,
    out,
)

if TYPE_CHECKING:
    from generator import spec as spec_model
else:  # loaded at first use
    from generator.lazy import lazy

    spec_model = lazy("generator.spec")


@app.command("compliance")
def compliance_cmd(
    spec: SpecArg,
    as_json: JsonOpt = False,
    checks: Annotated[
        bool,
        typer.Option(
            "--checks",
            help="Prowler's checks judged on an offline apply of the landing: pass, fail, depends.",
        ),
    ] = False,
) -> None:
    """Each requirement of each selected regime -> controls -> Terraform resources, with coverage."""
    if checks:
        _print_verdicts(core.compliance_checks(spec), as_json)
        return
    report = core.compliance(spec)
    if as_json:
        _print_json(report)
        return
    if not report["regimes"]:
        out.print(f"{spec}: no compliance regime selected")
    for a in report.get("accounts", []):  # an account per stage: each account's coverage first
        for r in a["regimes"]:
            cov = r["coverage"]
            out.print(f"account {a['account_id']} ({', '.join(x + '/' for x in a['roots'])}): {r['title']}: "
                      f"{cov['addressed']}/{cov['total']} addressed, {cov['partly']} partly")  # fmt: skip
    if report.get("accounts"):
        out.print(
            "The landing as deployed (a requirement's weakest status in any account; resources as ROOT/ADDRESS):"
        )
    for r in report["regimes"]:
        cov = r["coverage"]
        out.print(f"[bold]{r['title']}[/]: {cov['addressed']}/{cov['total']} addressed ({cov['percent']}%), "
                  f"{cov['partly']} partly, {cov['out_of_scope']} out of scope")  # fmt: skip
        if p := r.get("prowler"):
            out.print(f"  Prowler {p['version']} ({p['file']}): {p['total']} requirements, {p['in_reach']} in reach, "
                      f"{p['covered']} covered, {p['partly']} partly; {p['account']} account level, "
                      f"{p['procedural']} procedural, {p['not_created']} on services not created")  # fmt: skip
        if v := r.get("predicted"):
            t = v["totals"]
            out.print(f"  predicted for its {v['checks']} checks in reach: {t['pass']} pass, {t['fail']} fail, "
                      f"{t['depends']} depend, {t['not applicable']} not applicable (see COMPLIANCE.md)")  # fmt: skip
        table = Table("requirement", "status", "controls", "resources", box=None, pad_edge=False)
        for q in r["requirements"]:
            resources = sum(len(c["resources"]) for c in q["controls"])
            table.add_row(f"{q['id']} {q['title']}", q["status"], ", ".join(c["id"] for c in q["controls"]) or "-",
                          str(resources) if resources else "-")  # fmt: skip
        out.print(table)


def _print_verdicts(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(report)
        return
    table = Table("check", "verdict", "evidence / fix", box=None, pad_edge=False)
    for v in report["checks"]:
        detail = "; ".join(v["evidence"][:2]) + (
            f" (+{len(v['evidence']) - 2} more)" if len(v["evidence"]) > 2 else ""
        )
        if v["fix"]:
            detail = f"{detail} -> {v['fix']}" if detail else v["fix"]
        table.add_row(v["check"], v["status"], detail)
    out.print(table)
    t = report["totals"]
    out.print(f"[bold]{report['spec']}[/]: {sum(t.values())} Prowler {report['prowler_version']} checks judged on an "
              f"offline apply: {t['pass']} pass, {t['fail']} fail, {t['depends']} depend on something outside the "
              f"landing, {t['not evaluated']} not evaluated")  # fmt: skip
    for regime, r in report.get("regimes", {}).items():
        out.print(f"  {regime}: {r['checks']} checks of its {r['requirements_in_reach']} requirements in reach: "
                  f"{r['pass']} pass, {r['fail']} fail, {r['depends']} depend, {r['not evaluated']} not evaluated, "
                  f"{r['not applicable']} not applicable"
                  + (f"; failing: {', '.join(r['failing'])}" if r["failing"] else ""), markup=False)  # fmt: skip


@app.command("cost")
def cost_cmd(spec: SpecArg, as_json: JsonOpt = False) -> None:
    """Monthly estimate of what the root module adds, from a dated price table."""
    e = core.cost(spec)
    if as_json:
        _print_json(e)
        return
    table = Table("item", "quantity", "unit price", "per month", "scope", box=None, pad_edge=False)
    for line in e["lines"]:
        table.add_row(line["item"], f"{line['quantity']:,.2f} {line['unit']}", f"${line['unit_price']:,.4f}",
                      f"${line['monthly']:,.2f}", line["scope"])  # fmt: skip
    out.print(table)
    out.print(f"Total: ${e['total_monthly']:,.2f}/month: ${e['shared_monthly']:,.2f} shared by all workloads, "
              f"${e['workloads_monthly']:,.2f} for {e['workloads']} workload(s).")  # fmt: skip
    for root, total in e.get("accounts", {}).items():  # an account per stage: each account's share
        held = e["account_roots"][root]
        out.print(
            f"  account {held['account_id']} ({', '.join(r + '/' for r in held['roots'])}): ${total:,.2f}/month"
        )
    out.print(f"List prices of {e['prices_as_of']} for {e['region']} (factor {e['region_factor']} over us-east-1); "
              "taxes, support and the workloads' own compute are not included (notebooks aisec generates are).")  # fmt: skip


@app.command("diagram")
def diagram_cmd(
    spec: SpecArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="file.svg, file.png or file.dot", show_default=False)
    ],
) -> None:
    """Draw the architecture of SPEC's root module (Graphviz)."""
    check_output_path(output, kind="file")
    core.diagram(spec, output)
    out.print(f"wrote {output}")


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to a file instead of stdout.", show_default=False),
    ] = None,
) -> None:
    """Print the JSON Schema of the spec (for editor completion via yaml-language-server)."""
    text = json.dumps(spec_model.json_schema(), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        check_output_path(output, kind="file")
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
