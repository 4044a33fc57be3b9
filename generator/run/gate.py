"""The plan gate's I/O: where each resource is declared, the policy documents a plan only knows
after apply, and checkov (with the team's own rules) on the plan.

Documents "known after apply": a first plan cannot show the JSON of an `aws_iam_policy_document`
that names a bucket or key ARN created in the same plan. We read them from an **offline
rehearsal**: the same configuration planned and applied from an empty state with the stand-in
provider, in a throwaway working copy, then read back from that state. We chose this over reading
the plan's own `prior_state` data sources because those hold only the data sources Terraform could
read at plan time, exactly not the ones that depend on new resources; the rehearsal resolves all of
them, in the custom files too, with the provider's own rendering of `aws_iam_policy_document`
(generator/offline/policydoc.py). Its ARNs and ids are placeholders; statements, actions,
principals and conditions are what AWS would receive, and that is what the gate judges.

checkov runs on that rehearsal's plan (values read back after the apply, so documents are known),
never on a plan made against AWS: plans from AWS are not converted to JSON on disk. Its skip list
is one reviewed file, `.checkov.yaml` at the top of the repository (bundled with aisec).

Both are cached in aisec's cache folder, keyed by everything they read (rehearsalcache.py,
gatecache.py): the same configuration rehearsed again, or the same plan bytes scanned again under
the same rules by the same checkov, is read back instead of run. `AISEC_GATE_CACHE=0` turns it off.
"""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.errors import UserInputError, WorkError
from generator.offline import workspace
from generator.run import gatecache, rehearsalcache
from generator.run.runner import PythonTerraformRunner

Values = dict[str, Any]
RULES_DIR = ".aisec/rules"  # a root module's own rules folder, used when it exists
CHECKOV_CONFIG = ".checkov.yaml"
_HERE = Path(__file__).resolve().parent.parent  # the package folder
_RESOURCE_RE = re.compile(r'^resource\s+"([a-z0-9_]+)"\s+"([A-Za-z0-9_-]+)"')
_RULE_ID_RES = (
    re.compile(r"^\s*id:\s*['\"]?([A-Za-z0-9_-]+)", re.M),
    re.compile(r"\bid\s*=\s*['\"]([A-Za-z0-9_-]+)['\"]"),
)


# The plan gate's scanners come with aisec's `gate` extra: a plain install renders, checks and writes
# pipelines in seconds; reviewing a plan (plan, destroy, drift) needs them and refuses to go on without.
GATE_EXTRA = "gate"
SCANNERS = ("checkov", "cloudsplaining")


def missing_scanners() -> list[str]:
    return [name for name in SCANNERS if importlib.util.find_spec(name) is None]


def _gate_requirements() -> list[str]:
    """The extra's requirements as aisec's metadata states them (names alone in a bare checkout)."""
    try:
        requires = importlib.metadata.requires("aisec") or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    found = [r.split(";")[0].strip() for r in requires if f'extra == "{GATE_EXTRA}"' in r.replace("'", '"')]
    return found or list(SCANNERS)


def require_scanners() -> None:
    """Fail before Terraform runs when the plan gate could not review the plan."""
    missing = missing_scanners()
    if missing:
        raise WorkError(
            f"the plan gate, which reviews every plan (plan, destroy, drift), needs {' and '.join(missing)}: "
            f"install aisec with its `{GATE_EXTRA}` extra",
            [
                f"pip install 'aisec[{GATE_EXTRA}]'   (or the wheel or git URL aisec came from, with [{GATE_EXTRA}])",
                "pipx inject aisec " + " ".join(f"'{r}'" for r in _gate_requirements()),
            ],
        )


class Unavailable(WorkError):
    """The offline rehearsal could not run: the gate reviews what the plan itself shows."""


def checkov_config() -> Path:
    """The one reviewed skip list: the checkout's `.checkov.yaml`, else the copy bundled with aisec."""
    for candidate in (_HERE.parent / CHECKOV_CONFIG, _HERE / "_bundled" / CHECKOV_CONFIG):
        if candidate.is_file():
            return candidate
    raise WorkError(f"aisec is installed without its {CHECKOV_CONFIG}; reinstall it")


# --- where each resource is declared ---------------------------------------------------------


def _module_dirs(work: Path) -> Iterator[tuple[str, Path]]:
    """(address prefix, folder) of the root module and every module call Terraform installed."""
    yield "", work
    manifest = work / ".terraform" / "modules" / "modules.json"
    if not manifest.is_file():
        return
    for entry in json.loads(manifest.read_text()).get("Modules", []):
        key = entry.get("Key") or ""
        if key:
            yield "".join(f"module.{part}." for part in key.split(".")), work / entry["Dir"]


def declarations(work: Path) -> dict[str, str]:
    """Declared resource address (no instance keys) -> `file:line`, relative to the root module."""
    found: dict[str, str] = {}
    for prefix, folder in _module_dirs(work):
        for tf in sorted(folder.glob("*.tf")):
            lines = tf.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, 1):
                m = _RESOURCE_RE.match(line)
                if m:
                    rel = Path(os.path.relpath(tf.resolve(), work.resolve())).as_posix()
                    found.setdefault(f"{prefix}{m.group(1)}.{m.group(2)}", f"{rel}:{number}")
    return found


# --- the offline rehearsal -------------------------------------------------------------------


@dataclass
class Rehearsal:
    values: dict[str, Values]  # address -> values after the rehearsal's apply
    plan_file: Path  # its plan JSON with those values filled in (placeholders only: safe on disk)


def _walk(module: Values) -> Iterator[Values]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def state_values(state: Values) -> dict[str, Values]:
    """address -> attribute values of every resource in `terraform show -json` of a state."""
    return {r["address"]: r.get("values", {}) for r in _walk(state.get("values", {}).get("root_module", {}))}


def resolved_plan(plan: Values, state: Values) -> Values:
    """The plan with what apply learned filled in: planned values and every change's `after`."""
    values = state_values(state)
    out = copy.deepcopy(plan)
    out["planned_values"] = state.get("values", {})
    for rc in out.get("resource_changes", []):
        if rc["address"] in values and set(rc["change"].get("actions", [])) & {"create", "update"}:
            rc["change"]["after"] = values[rc["address"]]
            rc["change"]["after_unknown"] = {}
    return out


def canonical(plan: Values) -> bytes:
    """The plan as checkov is given it: the same bytes for two rehearsals of the same configuration,
    so the gate's cache (gatecache.py) can recognise them. Terraform's `timestamp` is left out and
    `relevant_attributes` (its order varies from run to run) sorted; checkov reads neither."""
    out = {k: v for k, v in plan.items() if k != "timestamp"}
    if isinstance(out.get("relevant_attributes"), list):
        out["relevant_attributes"] = sorted(
            out["relevant_attributes"], key=lambda a: json.dumps(a, sort_keys=True)
        )
    return json.dumps(out).encode()


def rehearse(source: Path, tf: PythonTerraformRunner, env: dict[str, str]) -> Rehearsal:
    """Plan and apply ``source`` offline from an empty state in a throwaway copy; read it back."""
    env = workspace.prepare(tf.binary.platform).env(env)
    work = workspace.working_copy(source, "gate")
    plan_file = work / "gate-plan.json"
    binary = f"{tf.binary.name} {tf.binary.version_text} {tf.binary.platform} {tf.binary.path}"
    digest = rehearsalcache.key(source, _copy_root(work), binary, env)
    known = rehearsalcache.load(digest) if digest else None
    if known is not None:  # the same inputs rehearsed before (rehearsalcache.py): the same result
        atomic_write(plan_file, known)
        return Rehearsal(state_values({"values": json.loads(known)["planned_values"]}), plan_file)
    for name in ("terraform.tfstate", "terraform.tfstate.backup", "tfplan"):
        (work / name).unlink(missing_ok=True)

    def run(*args: str) -> str:
        result = tf.run(args[0], *args[1:], cwd=work, env=env)
        if not result.ok:
            raise Unavailable(
                f"the offline rehearsal failed at terraform {args[0]}",
                [line for line in (result.stderr or result.stdout).strip().splitlines()[-6:]],
            )
        return result.stdout

    run("init", "-input=false", "-no-color", "-upgrade")
    run("plan", "-input=false", "-no-color", "-out=tfplan")
    plan = json.loads(run("show", "-json", "tfplan"))
    run("apply", "-input=false", "-no-color", "tfplan")
    state = json.loads(run("show", "-json"))
    full = canonical(resolved_plan(plan, state))
    atomic_write(plan_file, full)
    if digest:
        rehearsalcache.store(digest, full, work)
    return Rehearsal(state_values(state), plan_file)


def _copy_root(work: Path) -> Path:
    """The whole working copy ``work`` belongs to (it may hold the folders above the root)."""
    top, root = work, cache_root("offline", "work").resolve()
    while top.resolve().parent != root and top.parent != top:
        top = top.parent
    return top


# --- checkov and the team's rules ------------------------------------------------------------


def rules_dirs(source: Path, given: Iterable[str | Path]) -> list[Path]:
    """The team's rule folders: those given with --rules, and the root module's `.aisec/rules/`."""
    folders = []
    for name in given:
        folder = Path(name)
        if not folder.is_dir():
            raise UserInputError(
                f"--rules {name}: not a folder; give a folder of checkov custom policies (YAML or Python)"
            )
        folders.append(folder.resolve())
    own = source / RULES_DIR
    if own.is_dir() and own.resolve() not in folders:
        folders.append(own.resolve())
    return folders


def rule_ids(folders: Iterable[Path]) -> set[str]:
    """The check ids the team's rules declare (YAML `metadata.id`, Python `id = "..."`)."""
    ids: set[str] = set()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".yml", ".py") and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                pattern = _RULE_ID_RES[1] if path.suffix == ".py" else _RULE_ID_RES[0]
                ids.update(pattern.findall(text))
    return ids


@dataclass(frozen=True)
class Failed:
    check_id: str
    name: str
    address: str
    severity: str | None
    team: bool


# checkov's arguments besides the files it reads (part of the cache key, gatecache.py)
CHECKOV_FLAGS = ("--framework", "terraform_plan", "-o", "json", "--quiet", "--compact", "--skip-download")


def _checkov(plan_file: Path, rules: list[Path], config: Path) -> list[dict[str, Any]]:
    command = [
        sys.executable, "-m", "checkov.main", "-f", str(plan_file), "--config-file", str(config),
        *CHECKOV_FLAGS, *[arg for d in rules for arg in ("--external-checks-dir", str(d))],
    ]  # fmt: skip
    # run beside the plan file: checkov also reads a `.checkov.yaml` in its working directory, and
    # only the reviewed list may decide what is left out
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=plan_file.parent)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise WorkError("checkov failed on the plan", proc.stderr.strip().splitlines()[-6:])
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    return [f for r in reports for f in r.get("results", {}).get("failed_checks", [])]


def scan(plan_file: Path, rules: list[Path], config: Path | None = None) -> list[Failed]:
    """checkov's failed checks on a plan JSON, under the reviewed skip list and the team's rules;
    from the gate's cache when the same bytes were scanned under the same rules by the same checkov."""
    config = config or checkov_config()
    failed = gatecache.cached(
        plan_file, CHECKOV_FLAGS, config, rules, lambda: _checkov(plan_file, rules, config)
    )
    team = rule_ids(rules)
    return [
        Failed(
            f["check_id"], f.get("check_name") or "", f["resource"], f.get("severity"), f["check_id"] in team
        )
        for f in failed
    ]
