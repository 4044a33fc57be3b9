"""The plan gate's cache keeps the most recently used entries of each kind: checkov's verdicts and
the rehearsals' plans are pruned when a new one is stored, and a hit counts as a use."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.cache import cache_root
from generator.run import gatecache, rehearsalcache


@pytest.fixture()
def gate_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(gatecache.SWITCH, raising=False)
    return cache_root("gate")


def _age(folder: Path, pattern: str) -> None:
    """Give the entries matching ``pattern`` distinct old times, in name order (oldest first)."""
    for i, path in enumerate(sorted(folder.glob(pattern))):
        os.utime(path, (1_000_000 + i, 1_000_000 + i))


def test_checkov_verdicts_keep_the_most_recently_used(
    gate_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gatecache, "KEEP", 3)
    verdict = [{"check_id": "CKV_X", "check_name": "x", "resource": "aws_s3_bucket.b", "severity": None}]
    for name in ("a", "b", "c"):
        gatecache.store(name * 64, verdict)
    _age(gate_folder, "checkov-*.json")
    assert gatecache.load("a" * 64) == verdict  # a hit: "a" is now the most recently used
    gatecache.store("d" * 64, verdict)
    kept = sorted(p.name[8:9] for p in gate_folder.glob("checkov-*.json"))
    assert kept == ["a", "c", "d"]  # "b", the least recently used, went first
    assert gatecache.load("b" * 64) is None


def test_rehearsal_plans_keep_the_most_recently_used(
    gate_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rehearsalcache, "KEEP", 2)
    plan = json.dumps({"planned_values": {}}).encode()
    for name in ("a", "b"):
        rehearsalcache.store(name * 64, plan, tmp_path)
    _age(gate_folder, "rehearsal-*.json")
    assert rehearsalcache.load("a" * 64) == plan
    rehearsalcache.store("c" * 64, plan, tmp_path)
    assert sorted(p.name[10:11] for p in gate_folder.glob("rehearsal-*.json")) == ["a", "c"]
    # the two kinds are pruned apart: a verdict stored does not remove a rehearsal
    gatecache.store("e" * 64, [])
    assert len(list(gate_folder.glob("rehearsal-*.json"))) == 2
