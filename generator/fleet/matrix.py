"""`aisec ci matrix`: the roots a change affects, as the rows of a CI matrix (two waves: the
foundations, then the stages), with each root's id and environment.
Also the header every pipeline file of a folder starts with."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from generator import __version__, ci
from generator.errors import UserInputError
from generator.landing import MANIFEST, landing_roots, rendered_roots

MAX_MATRIX = 256  # GitHub runs at most 256 jobs of one matrix
GITLAB_CHILD = "aisec-child.yml"
_ID_RE = re.compile(r"[^A-Za-z0-9_-]+")
Event = Literal["review", "main", "drift"]


def root_id(landing: str, root: str) -> str:
    """A root's id in job, artifact and environment names: the landing's path with every character
    outside letters, digits, _ and - as a dash, then the root's name (``team-a/fraud`` + ``prod``
    -> ``team-a-fraud-prod``)."""
    return _ID_RE.sub("-", f"{landing}-{root}" if root else landing).strip("-")


def environment(landing: str, root: str) -> str:
    """The environment a root applies in (GitHub: give the prod and foundation ones, and those of
    landings that are one root, required reviewers)."""
    return f"aisec-{root_id(landing, root)}"


def landing_environments(landing: str, output: Path) -> tuple[str, ...]:
    """The environments of a landing's roots: one per root of its rendered folder (one for an
    unsplit landing, or one not rendered yet)."""
    roots = rendered_roots(output)
    if roots is None:
        return (environment(landing, ""),)
    return tuple(environment(landing, r.name) for r in roots)


def _rel(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _checked_path(landing: str, what: str, value: str) -> str:
    path = PurePosixPath(value)
    if not ci._PATH_RE.fullmatch(value) or path.is_absolute() or ".." in path.parts:
        raise UserInputError(
            f"{landing}: {what} {value!r}: CI jobs take paths inside the repository made of letters, "
            "digits, _ . / - (run `aisec ci matrix` from the repository's root)"
        )
    return value


def matrix(rows: list[dict[str, Any]], cwd: Path | None = None) -> dict[str, Any]:
    """The roots to plan and apply for the affected rows of an `aisec affected` report (or of
    :func:`all_rows`), in two waves, each root with what its jobs need: its folder, spec,
    environment, region and the ARNs of its landing's CI roles."""
    from generator.spec import load_spec_file

    here = (cwd or Path.cwd()).resolve()
    waves: dict[str, list[dict[str, Any]]] = {"first": [], "then": []}
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for row in rows:
        if not row.get("affected"):
            continue
        landing = str(row["landing"])
        if any(r.get("kind") == "spec" and r.get("detail") == "deleted" for r in row.get("reasons", [])):
            skipped.append(f"{landing}: its spec was deleted; destroying a landing is a person's job")
            continue
        if not row.get("output"):
            raise UserInputError(
                f"{landing}: affected but not rendered (no output folder found by its manifest); "
                "render it with `aisec render SPECS -o OUT` and commit the output"
            )
        spec_path = here / str(row["spec"])
        spec = load_spec_file(spec_path).spec
        from generator.render.accounts import refuse_ci

        refuse_ci(spec, str(spec_path))  # what CI roles per account do not cover yet
        # layout: stages: each root's own roles (ci.ci_roots), else the landing's pair; accounts:
        # each root's roles in its own account (generator.ci.accounts)
        split = spec.layout == "stages"
        in_accounts = _account_role_arns(spec)
        roots = landing_roots(here / str(row["output"]))
        ids = {r.name: root_id(landing, r.name) for r in roots}
        for r in roots:
            rid = ids[r.name]
            if rid in seen and seen[rid] != landing:
                raise UserInputError(
                    f"{landing}: its jobs would be named {rid}, as those of {seen[rid]}; rename one "
                    "landing (ids keep letters, digits, _ and -, other characters become -)"
                )
            seen[rid] = landing
            unknown = [n for n in r.needs if n not in ids]
            if unknown:
                raise UserInputError(f"{landing}: root {r.name} needs {', '.join(unknown)}, not a root of it")
            entry = {
                "id": rid,
                "landing": landing,
                "root": r.name,
                "label": f"{landing}:{r.name}" if r.name else landing,
                "spec": _checked_path(landing, "spec", _rel(spec_path, here)),
                "path": _checked_path(landing, "root", _rel(r.path, here)),
                "environment": environment(landing, r.name),
                "region": spec.aws.region,
                "plan_role": in_accounts.get(r.name, ci.role_arns(spec, r.name if split else ""))["plan"],
                "apply_role": in_accounts.get(r.name, ci.role_arns(spec, r.name if split else ""))["apply"],
                "needs": [ids[n] for n in r.needs],
            }
            if not r.needs:
                waves["first"].append(entry)
            elif len(r.needs) == 1 and not next(x for x in roots if x.name == r.needs[0]).needs:
                waves["then"].append({**entry, "after": ids[r.needs[0]]})
            else:
                raise UserInputError(
                    f"{landing}: root {r.name} needs {', '.join(r.needs)}; CI runs two waves: roots "
                    "that need none (a foundation), then roots that need one of those (its stages)"
                )
    for wave, entries in waves.items():
        if len(entries) > MAX_MATRIX:
            raise UserInputError(
                f"{len(entries)} roots in the {wave} wave: a GitHub matrix runs at most {MAX_MATRIX} "
                "jobs; split the change (or the specs folder into pipelines of their own)"
            )
    return {**waves, "count": len(waves["first"]) + len(waves["then"]), "skipped": skipped}


def _account_role_arns(spec: Any) -> dict[str, dict[str, str]]:
    """``accounts``: each root's plan and apply role ARN in its own account; else nothing."""
    if spec.accounts is None:
        return {}
    from generator.ci.accounts import account_role_arns

    return account_role_arns(spec)


def all_rows(specs: Path, out: Path, cwd: Path | None = None) -> list[dict[str, Any]]:
    """Rows as `aisec affected` gives them, with every landing of ``specs`` affected (scheduled
    drift, a manual run, a first push): each rendered at ``out/<landing>``."""
    from generator.fleet import landing_name, landing_specs

    here = (cwd or Path.cwd()).resolve()
    return [
        {
            "landing": landing_name(specs, spec),
            "spec": _rel(spec, here),
            "output": _rel(out / landing_name(specs, spec), here)
            if (out / landing_name(specs, spec) / MANIFEST).is_file()
            else None,
            "affected": True,
            "reasons": [{"kind": "all", "path": "", "detail": ""}],
        }
        for spec in landing_specs(specs)
    ]


def affected_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an `aisec affected --json` report saved to ``path`` (with its envelope or not)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserInputError(f"{path}: not the JSON of `aisec affected --json` ({exc})") from None
    report = data.get("result", data) if isinstance(data, dict) else None
    rows = report.get("landings") if isinstance(report, dict) else None
    if not isinstance(rows, list):
        raise UserInputError(f"{path}: not the JSON of `aisec affected --json` (no result.landings list)")
    return rows


def github_output(m: dict[str, Any]) -> str:
    """The matrix as ``$GITHUB_OUTPUT`` lines: one JSON list per wave (compact, one line each)."""
    dump = json.dumps  # compact separators keep each list on one line
    return (
        f"first={dump(m['first'], separators=(',', ':'))}\n"
        f"then={dump(m['then'], separators=(',', ':'))}\n"
        f"all={dump(m['first'] + m['then'], separators=(',', ':'))}\n"
        f"count={m['count']}\n"
    )


def _header(s: ci.CiSettings) -> str:
    return (
        f"# Generated by aisec {__version__} (`aisec ci {s.platform} {s.spec_path} --root {s.root}`) for a folder\n"
        "# of landings. Re-generate rather than edit. AWS access is OIDC role assumption only: no stored keys.\n"
    )


# The affected job's step: which roots this run plans, as $GITHUB_OUTPUT lines (a test runs it).
