"""Fleets (issue 17 item 5): `aisec plan --all FOLDER` and `aisec apply --all FOLDER` run every
root of every rendered landing below a folder, N at a time, in dependency order; one failure does
not stop the others. The scheduler is tested with a stand-in for the per-root work (timings,
order, skips); the commands with the real terraform binary and the offline stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import core
from generator.errors import UserInputError
from generator.fleet import run as fleetrun
from generator.render import MANIFEST
from tests.conftest import BLUEPRINTS, aisec_env, json_result, run_aisec


def _manifest(folder: Path, roots: list[dict[str, object]] | None = None) -> Path:
    (folder / ".aisec").mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps({"roots": roots} if roots else {}))
    return folder


SPLIT = [
    {"name": "foundation", "path": "foundation", "needs": []},
    {"name": "dev", "path": "dev", "needs": ["foundation"]},
    {"name": "prod", "path": "prod", "needs": ["foundation"]},
]


def _runs(tmp_path: Path) -> list[fleetrun.RootRun]:
    """Landing `split` (foundation, then dev and prod) and three one-root landings."""
    _manifest(tmp_path / "split", SPLIT)
    for stage in ("foundation", "dev", "prod"):  # a stage folder may hold a manifest of its own
        _manifest(tmp_path / "split" / stage)
    for name in ("x", "y", "team/z"):
        _manifest(tmp_path / name)
    (tmp_path / "x" / ".terraform" / "modules" / "m" / ".aisec").mkdir(parents=True)
    (tmp_path / "x" / ".terraform" / "modules" / "m" / MANIFEST).write_text("{}")  # never a landing
    runs, report = fleetrun.select(tmp_path)
    assert report is None
    return runs


def test_landings_and_their_roots_are_found_by_their_manifests(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    assert [r.label for r in runs] == ["split:foundation", "split:dev", "split:prod", "team/z", "x", "y"]
    assert runs[1].root.needs == ("foundation",) and runs[1].root.path == tmp_path / "split" / "dev"
    assert [r.landing for r in fleetrun.select(tmp_path / "x")[0]] == ["."]  # the folder itself
    assert [r.label for r in fleetrun.select(tmp_path / "split")[0]] == [".:foundation", ".:dev", ".:prod"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match=r"empty: no rendered landing below it .*aisec render specs/"):
        fleetrun.find_landings(tmp_path / "empty")
    with pytest.raises(UserInputError, match="not a folder"):
        fleetrun.find_landings(tmp_path / "missing")


class _Work:
    """A stand-in for one root's plan: sleeps, records when it ran, fails where told."""

    def __init__(self, fail: set[str]) -> None:
        self.fail = fail
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.spans: dict[str, tuple[float, float]] = {}

    def __call__(self, run: fleetrun.RootRun) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        began = time.perf_counter()
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        self.spans[run.label] = (began, time.perf_counter())
        if run.label in self.fail:
            run.status, run.exit_code, run.reason = "failed", 1, "terraform plan failed"
        else:
            run.status = "planned"


def test_roots_run_n_at_a_time_after_what_they_need(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    work = _Work(fail=set())
    ended: list[str] = []
    shown: list[int] = []  # roots the progress view shows in work, at each start
    started: list[str] = []

    def start(run: fleetrun.RootRun) -> None:
        started.append(run.label)
        shown.append(len(started) - len(ended))

    fleetrun.run_fleet(
        runs, work, 2, fleetrun.PLAN_OK, on_start=start, on_done=lambda r: ended.append(r.label)
    )
    assert max(shown) == 2  # the view never shows a root as in work while it waits for a slot
    assert [r.status for r in runs] == ["planned"] * 6
    assert work.most == 2  # two at a time, never more
    for stage in ("split:dev", "split:prod"):  # a stage starts after its foundation ended
        assert work.spans[stage][0] >= work.spans["split:foundation"][1]
    assert sorted(ended) == sorted(r.label for r in runs)
    assert fleetrun.exit_code(runs) == 0
    assert all(r.seconds >= 0.15 for r in runs)


def test_a_failed_root_skips_its_dependents_only(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    work = _Work(fail={"split:foundation", "y"})
    fleetrun.run_fleet(runs, work, 3, fleetrun.PLAN_OK)
    status = {r.label: (r.status, r.reason) for r in runs}
    assert status == {
        "split:foundation": ("failed", "terraform plan failed"),
        "split:dev": ("skipped", "skipped: foundation failed"),
        "split:prod": ("skipped", "skipped: foundation failed"),
        "team/z": ("planned", ""),
        "x": ("planned", ""),
        "y": ("failed", "terraform plan failed"),
    }
    assert "split:dev" not in work.spans  # never started
    assert fleetrun.exit_code(runs) == 1
    record = runs[1].record()
    assert record["landing"] == "split" and record["root"] == "dev" and record["needs"] == ["foundation"]
    assert record["status"] == "skipped" and record["exit_code"] == 1


def test_needs_the_manifest_does_not_meet_are_bad_input(tmp_path: Path) -> None:
    _manifest(tmp_path / "a", [{"name": "dev", "path": "dev", "needs": ["foundation"]}])
    _manifest(
        tmp_path / "b",
        [
            {"name": "dev", "path": "dev", "needs": ["prod"]},
            {"name": "prod", "path": "prod", "needs": ["dev"]},
        ],
    )
    runs, _ = fleetrun.select(tmp_path)
    fleetrun.run_fleet(runs, _Work(fail=set()), 2, fleetrun.PLAN_OK)
    assert [(r.label, r.status, r.exit_code) for r in runs] == [
        ("a:dev", "failed", 2),
        ("b:dev", "failed", 2),
        ("b:prod", "failed", 2),
    ]
    assert "the landing's manifest does not list" in runs[0].reason
    assert "does not list before it" in runs[1].reason


def test_the_summary_table_and_the_exit_code(tmp_path: Path) -> None:
    runs = _runs(tmp_path)[:3]
    runs[0].status, runs[0].add, runs[0].seconds = "planned", 7, 3.25
    runs[0].findings = {"high": 1, "medium": 2}
    runs[0].blocking = ["AISEC-POL-001@aws_iam_policy.x"]
    runs[1].status, runs[1].exit_code, runs[1].reason = "skipped", 1, "skipped: foundation blocked"
    runs[2].status, runs[2].exit_code = "failed", 2
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(fleetrun.table(runs))
    text = console.export_text()
    assert "landing" in text and "findings" in text and "status" in text
    row = next(line for line in text.splitlines() if "foundation" in line)
    assert [c.strip() for c in row.strip("│┃ ").split("│")] == [
        "split", "foundation", "7", "0", "0", "1 high, 2 medium (1 not accepted)", "3.2s", "planned",
    ]  # fmt: skip
    assert "skipped: foundation blocked" in text
    assert fleetrun.exit_code(runs) == 2  # the worst: bad input


def test_bad_fleet_arguments_exit_2_with_the_reason(tmp_path: Path) -> None:
    _manifest(tmp_path / "a")
    (tmp_path / "a" / "main.tf").write_text("")
    cases = {
        ("plan", str(tmp_path / "a"), "--parallel", "2"): "--parallel needs --all",
        ("apply", str(tmp_path / "a"), "--affected-since", "HEAD"): "--affected-since needs --all",
        ("plan", "--all", str(tmp_path / "nowhere")): "not a folder",
        ("plan", "--all", str(tmp_path / "a" / ".aisec")): "no rendered landing below it",
        ("plan", "--all", str(tmp_path), "--destroy"): "--destroy applies to one root module",
        ("plan", "--all", str(tmp_path), "--accept", "X@y.z"): "--accept applies to one root module",
        ("plan", "--all", str(tmp_path), "--parallel", "0"): "--parallel",
        ("plan", "--all", str(tmp_path), "--stage", "dev"): "--stage picks one root of one landing",
        ("apply", "--all", str(tmp_path), "--stage", "dev"): "--stage picks one root of one landing",
    }
    for args, message in cases.items():
        proc = run_aisec(*args, "--json")
        doc = json.loads(proc.stdout)
        assert proc.returncode == 2 and doc["exit_code"] == 2, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- real terraform, offline
def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo), *args],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _fleet(
    *args: str, cwd: Path, env: dict[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`aisec ARGS` as run_aisec runs it, with room for several offline plans on a busy machine."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd, env=env, input=input, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


@pytest.mark.terraform
def test_plan_all_then_affected_then_apply_all_offline(tmp_path: Path) -> None:
    """Three landings planned two at a time; then, after a change to b and c broken on purpose,
    only those two are planned (c fails and is named, b is planned all the same); apply --all
    applies the plans saved (a's from the first run, b's from the second) and nothing else."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    base = BLUEPRINTS["batch-scoring"].read_text()
    for name in ("a", "b", "c"):
        spec = repo / "specs" / f"{name}.yaml"
        spec.write_text(base.replace("\nname: churn\n", f"\nname: churn-{name}\n"))
        core.render_spec(spec, repo / "infra" / name)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "landings")
    env = aisec_env(COLUMNS="200")

    first = _fleet("plan", "--all", "infra", "--parallel", "2", "--offline", cwd=repo, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    rows = [line for line in first.stdout.splitlines() if line.startswith("│")]
    assert [
        [cells[i].strip() for i in (0, 1, 2, 3, 4, 5, 7)]
        for cells in (row.strip("│").split("│") for row in rows)
    ] == [[name, "-", "176", "0", "0", "2 medium", "planned"] for name in ("a", "b", "c")]
    assert "3 root(s) of 3 landing(s): 3 planned" in first.stdout
    assert (
        "[3/3]" in first.stderr and "planning a ..." in first.stderr
    )  # progress, one line each (no terminal)

    (repo / "infra" / "b" / "team.custom.tf").write_text('locals {\n  team = "scoring"\n}\n')
    (repo / "infra" / "c" / "broken.custom.tf").write_text('resource "aws_s3_bucket" {\n')
    second = _fleet(
        "plan", "--all", "infra", "--affected-since", "main", "--offline", "--json", cwd=repo, env=env
    )
    result = json_result(second)
    assert second.returncode == 1, second.stderr
    assert result["affected"] == ["infra/b", "infra/c"] and result["parallel"] >= 1
    assert [(r["landing"], r["status"]) for r in result["roots"]] == [("b", "planned"), ("c", "failed")]
    b, c = result["roots"]
    assert (b["add"], b["change"], b["destroy"], b["findings"], b["exit_code"]) == (
        176,
        0,
        0,
        {"medium": 2},
        0,
    )
    assert c["exit_code"] == 1 and c["reason"] == "infra/c: terraform init failed"
    errors = json.loads(second.stdout)["errors"]
    assert [e["message"] for e in errors] == ["infra/c: terraform init failed"]
    assert any("broken.custom.tf:1" in line for line in errors[0]["detail"]), errors
    assert "error: infra/c: terraform init failed" in second.stderr

    refused = _fleet("apply", "--all", "infra", "--offline", cwd=repo, env=env, input="")
    assert refused.returncode == 2 and "pass --auto-approve" in refused.stderr  # no terminal to confirm at

    # a's plan (from the first run) is stale once a file of a changes: refused, the others applied
    extra = repo / "infra" / "a" / "extra.custom.tf"
    extra.write_text("locals {}\n")
    applied = _fleet("apply", "--all", "infra", "--offline", "--auto-approve", "--json", cwd=repo, env=env)
    result = json_result(applied)
    assert applied.returncode == 1, applied.stderr
    assert [(r["landing"], r["status"], r["applied"]) for r in result["roots"]] == [
        ("a", "refused", 0),
        ("b", "applied", 176),
        ("c", "no plan", 0),
    ]
    assert (
        result["roots"][0]["reason"]
        == "infra/a: the saved plan is stale; run `aisec plan` again and review it"
    )
    assert result["roots"][0]["errors"][0]["detail"] == ["extra.custom.tf: added since the plan"]
    extra.unlink()
    applied = _fleet("apply", "--all", "infra", "--offline", "--auto-approve", cwd=repo, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "3 root(s) of 3 landing(s): 1 applied, 2 no plan" in applied.stdout
    again = _fleet("apply", "--all", "infra", "--offline", "--auto-approve", cwd=repo, env=env)
    assert again.returncode == 0 and "Nothing applied: no saved plan to apply" in again.stdout, again.stdout
    assert _git(repo, "status", "--porcelain", "--", "infra/a") == ""  # offline: the folders are not written


def test_stand_ins_started_side_by_side_never_read_a_mixed_certificate_pair(tmp_path: Path) -> None:
    """The stand-in's TLS certificate and key live in one file written at once: stand-ins of
    roots planned side by side that each make a pair leave one whole pair, never a mix."""
    from concurrent.futures import ThreadPoolExecutor

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from generator.offline import server

    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda _: server.certificate(tmp_path), range(8)))
    der, cert_pem, key_pem = server.certificate(tmp_path)  # read back from the file
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "plugin-pair.pem",
        "plugin-pair.pem.not-after",
    ]
    assert (der, cert_pem, key_pem) in made
    key = serialization.load_pem_private_key(key_pem, None)
    cert = x509.load_pem_x509_certificate(cert_pem)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(
        serialization.Encoding.PEM, public
    ) == cert.public_key().public_bytes(serialization.Encoding.PEM, public)


def test_affected_since_keeps_the_landings_a_change_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "team/c"):
        _manifest(tmp_path / "infra" / name)
        (tmp_path / "infra" / name / "main.tf").write_text("# generated\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "landings")
    (tmp_path / "infra" / "team" / "c" / "x.custom.tf").write_text("locals {}\n")
    monkeypatch.chdir(tmp_path)  # affected compares the working tree of the current checkout
    runs, report = fleetrun.select(Path("infra"), "main")
    assert [r.label for r in runs] == ["team/c"]
    assert report is not None and report["affected"] == ["infra/team/c"]
    assert [r.label for r in fleetrun.select(Path("infra"), None)[0]] == ["a", "b", "team/c"]
    with pytest.raises(UserInputError, match=r"^--affected-since no-such-ref: not a commit"):
        fleetrun.select(Path("infra"), "no-such-ref")


def test_progress_a_spinner_per_root_at_a_terminal_a_line_each_in_ci_logs(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    runs = _runs(tmp_path)[:2]
    for terminal in (True, False):
        stream = io.StringIO()
        console = Console(file=stream, force_terminal=terminal, width=120, color_system=None)
        with fleetrun.FleetProgress(console, "planning", 2) as progress:
            for run in runs:
                progress.start(run)
            assert len(progress.progress.tasks) == (2 if terminal else 0)
            runs[0].status, runs[0].seconds = "planned", 2.0
            progress.end(runs[0])
            runs[1].status, runs[1].exit_code, runs[1].reason = (
                "failed",
                1,
                "split/dev: terraform plan failed",
            )
            progress.end(runs[1])
            assert len(progress.progress.tasks) == 0
        text = stream.getvalue()
        assert "[1/2] split:foundation: planned in 2.0s" in text
        assert "[2/2] split:dev: failed: split/dev: terraform plan failed" in text
        assert ("planning split:dev ..." in text) is not terminal
