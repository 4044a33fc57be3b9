"""Our requirement catalogues (generator/data/prowler/<regime>.yaml) against Prowler's published
ones, read from the pinned Prowler wheel (downloaded once into aisec's cache, sha256-checked)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.decide import prowler
from generator.decide.policy import CONTROLS_BY_ID, decide
from generator.errors import SpecError
from generator.reports.compliance import prowler_coverage, report
from generator.spec import Regime, parse_spec
from tests.conftest import BLUEPRINTS, json_result, run_aisec


@pytest.fixture(scope="module")
def wheel() -> Path:
    return prowler.wheel_path()


@pytest.mark.parametrize("regime", list(Regime), ids=lambda r: r.value)
def test_our_catalogue_has_prowlers_requirement_ids_and_checks(regime: Regime, wheel: Path) -> None:
    assert prowler.drift(regime, wheel) == []


def test_drift_names_ids_added_and_removed_upstream(wheel: Path, tmp_path: Path) -> None:
    """A doctored copy of the wheel (one requirement gone, one new, one check changed): drift says so."""
    name = f"prowler/compliance/aws/{prowler.REGIME_FILES[Regime.HIPAA]}"
    doctored = tmp_path / prowler.WHEEL
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(doctored, "w") as dst:
        data = json.loads(src.read(name))
        reqs = data["Requirements"]
        removed = reqs.pop(0)["Id"]
        reqs.append({**reqs[0], "Id": "164_316_b_2_i"})
        reqs[1] = {**reqs[1], "Checks": [*reqs[1]["Checks"], "brandnew_service_check"]}
        dst.writestr(name, json.dumps(data))
    found = prowler.drift(Regime.HIPAA, doctored)
    assert "hipaa: 164_316_b_2_i is in Prowler's catalogue, not in ours" in found
    assert f"hipaa: {removed} is in our catalogue, not in Prowler's" in found
    assert f"hipaa: {reqs[1]['Id']}: Prowler's checks changed" in found
    assert "hipaa: check brandnew_service_check is not placed in data/prowler_checks.yaml" in found
    assert len(found) == 4


def test_committed_catalogue_is_the_build_of_its_sources(wheel: Path) -> None:
    """data/prowler/*.yaml is generated: an edit of the check table or the titles needs a rebuild."""
    built = prowler.build(wheel)["regimes"]
    for regime in Regime:
        committed = yaml.safe_load(prowler.catalogue_file(regime).read_text())
        assert committed == built[regime.value], (
            f"rebuild: python -m generator.decide.prowler ({regime.value})"
        )


def test_wheel_is_verified_against_its_pin(
    wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cached = tmp_path / "aisec" / "prowler" / prowler.WHEEL
    cached.parent.mkdir(parents=True)
    shutil.copy(wheel, cached)
    assert prowler.wheel_path() == cached
    raw = cached.read_bytes()
    cached.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(prowler.ProwlerError, match="sha256"):
        prowler.wheel_path()
    assert not cached.exists()


def test_every_requirement_is_classified_mapped_or_out_of_scope_in_our_words(wheel: Path) -> None:
    for regime in Regime:
        theirs = {r["Id"]: r for r in prowler.published(regime, wheel)["Requirements"]}
        for r in prowler.requirements(regime):
            assert r["classification"] in prowler.CLASSIFICATIONS
            assert all(c in CONTROLS_BY_ID for c in r["controls"]), r["id"]
            in_reach = r["classification"] == "technical" and not r.get("out_of_scope_reason")
            # in reach: served by controls or naming what no control passes; otherwise a reason
            assert (r["controls"] or r.get("gaps")) if in_reach else r["out_of_scope_reason"], r["id"]
            assert r["title"] and r["title"] != theirs[r["id"]].get("Description")
            if regime in (Regime.SOC2, Regime.AI_SECURITY):
                assert r["title"] != theirs[r["id"]]["Name"], r["id"]


def test_figures_per_regime() -> None:
    """The figures the README quotes (Prowler 5.46.0)."""
    figures = {}
    for regime in Regime:
        reqs = prowler.requirements(regime)
        reach = [r for r in reqs if r["classification"] == "technical" and not r.get("out_of_scope_reason")]
        figures[regime.value] = (len(reqs), len(reach))
    assert figures == {
        "hipaa": (32, 19),
        "pci-dss": (1679, 415),
        "gdpr": (3, 3),
        "soc2": (27, 14),
        "fedramp-moderate": (63, 48),
        "ai-security": (63, 26),
    }


def _rag(**changes: object) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(BLUEPRINTS["gdpr-rag-assistant"].read_text())
    data.update(changes)
    return data  # type: ignore[no-any-return]


def test_ai_security_is_the_default_for_rag_and_inference_only() -> None:
    unset = _rag()
    del unset["compliance"]
    assert parse_spec(unset).compliance == [Regime.AI_SECURITY]
    assert parse_spec(_rag(compliance="none")).compliance == []
    assert parse_spec(_rag(compliance=["gdpr"])).compliance == [Regime.GDPR]
    batch = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    del batch["compliance"]
    assert [w.type.value for w in parse_spec(batch).workloads] == ["batch"]
    assert parse_spec(batch).compliance == []
    batch["workloads"][0]["type"] = "inference"
    assert parse_spec(batch).compliance == [Regime.AI_SECURITY]
    with pytest.raises(SpecError) as bad:
        parse_spec(_rag(compliance=["ai-securty"]))
    assert bad.value.details == [
        "<spec>: compliance[0]: Input should be 'hipaa', 'pci-dss', 'gdpr', 'soc2', 'fedramp-moderate' or 'ai-security'"
    ]


def test_ai_security_coverage_follows_the_guardrail() -> None:
    """AISF-AI-01..03 and -09 are covered by the guardrail (AI-2): on by default for personal data,
    off when the spec turns it off; nothing else changes."""
    on = parse_spec(_rag(compliance=["ai-security"]))
    data = _rag(compliance=["ai-security"])
    data["workloads"][0]["bedrock"]["guardrail"] = False
    off = parse_spec(data)
    cov_on, cov_off = (prowler_coverage(decide(s), Regime.AI_SECURITY) for s in (on, off))
    guardrail = {"AISF-AI-01", "AISF-AI-02", "AISF-AI-03", "AISF-AI-09"}
    assert not guardrail & set(cov_on["uncovered"])
    assert set(cov_off["uncovered"]) - set(cov_on["uncovered"]) == guardrail
    assert cov_on["covered"] - cov_off["covered"] == len(guardrail)
    rows = {q["id"]: q for q in report(decide(off))["regimes"][0]["requirements"]}
    assert rows["AISF-AI-01"]["status"] == "not addressed" and "AI-2" in rows["AISF-AI-01"]["reason"]
    rows = {q["id"]: q for q in report(decide(on))["regimes"][0]["requirements"]}
    assert rows["AISF-AI-01"]["status"] == "addressed"
    assert rows["AISF-GOV-06"]["status"] == "out of scope"
    # SageMaker requirements do not apply to a RAG landing; on a SageMaker one, the model registry
    # (a gap) is never claimed, and the root user rests on the account
    assert rows["AISF-ML-04"] == {**rows["AISF-ML-04"], "status": "out of scope",
                                  "reason": "not applicable here: its checks judge sagemaker, which no workload uses"}  # fmt: skip
    fraud = yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())
    fraud["compliance"] = ["pci-dss", "ai-security"]
    rows = {q["id"]: q for q in report(decide(parse_spec(fraud)))["regimes"][1]["requirements"]}
    assert (
        rows["AISF-ML-04"]["status"] == "not addressed"
        and "sagemaker_models_registry_in_use" in rows["AISF-ML-04"]["reason"]
    )
    assert rows["AISF-ML-01"]["status"] == "addressed"
    assert (
        rows["AISF-IAM-04"]["status"] == "partly addressed"
        and "the root user" in rows["AISF-IAM-04"]["reason"]
    )


def test_existing_foundation_covers_less() -> None:
    """Foundation controls (trail, alarms, endpoints) owned elsewhere: fewer HIPAA requirements covered."""
    from generator.spec import load_spec

    created = prowler_coverage(decide(load_spec(BLUEPRINTS["healthcare-training"])), Regime.HIPAA)
    existing = prowler_coverage(decide(load_spec(BLUEPRINTS["existing-foundation"])), Regime.HIPAA)
    assert created["in_reach"] == existing["in_reach"] == 19
    assert existing["covered"] < created["covered"]


def test_ai_security_adds_no_conformance_pack() -> None:
    """AWS Config packs exist per regime that adds rules; ai-security adds none (no extra cost)."""
    alone = decide(parse_spec(_rag(compliance=["ai-security"])))
    both = decide(parse_spec(_rag(compliance=["gdpr", "ai-security"])))
    assert alone.detective is not None and both.detective is not None
    assert list(alone.detective.conformance_packs) == ["baseline"]
    assert list(both.detective.conformance_packs) == ["gdpr"]


def test_coverage_of_every_blueprint() -> None:
    """In reach, covered, partly, not applicable per blueprint and regime, and what stays uncovered:
    the checks no control passes (gaps) and the controls a landing leaves out (the README's figures)."""
    from generator.spec import load_spec

    found = {}
    for name, path in sorted(BLUEPRINTS.items()):
        spec = load_spec(path)
        for regime in spec.compliance:
            p = prowler_coverage(decide(spec), regime)
            found[name, regime.value] = (p["in_reach"], p["covered"], p["partly"], p["not_applicable"])
    assert found == {
        ("existing-foundation", "hipaa"): (19, 5, 13, 0),
        ("fedramp-moderate", "fedramp-moderate"): (48, 42, 6, 0),
        ("fraud-inference", "pci-dss"): (415, 353, 0, 25),
        ("gdpr-rag-assistant", "gdpr"): (3, 3, 0, 0),
        ("gdpr-rag-assistant", "ai-security"): (26, 16, 5, 4),
        ("healthcare-training", "hipaa"): (19, 14, 5, 0),
        ("multi-workload", "gdpr"): (3, 3, 0, 0),
        ("multi-workload", "soc2"): (14, 10, 4, 0),
        ("soc2-notebooks", "soc2"): (14, 10, 4, 0),
    }
    cov = prowler_coverage(decide(parse_spec(_rag(compliance=["ai-security"]))), Regime.AI_SECURITY)
    assert (cov["in_reach"], cov["covered"], cov["partly"], cov["not_applicable"]) == (26, 16, 5, 4)
    # the six: the Bedrock endpoints Prowler wants beyond those the workloads call (falls_short),
    # the access-log bucket's SSE-S3 and logging (twice), no EC2 endpoint, Macie jobs instead of
    # automated discovery, GuardDuty protection plans beyond S3
    assert cov["uncovered"] == [
        "AISF-INFRA-01", "AISF-INFRA-05", "AISF-INFRA-08", "AISF-DATA-01", "AISF-DATA-04", "AISF-DETECT-02",
    ]  # fmt: skip


def test_coverage_counts_partition_the_catalogue() -> None:
    """Every requirement of a regime's catalogue is counted once, in one class: in reach (covered,
    partly, not applicable or uncovered), account, procedural or outside what a landing creates.
    (Mutation testing found a total that was set, not counted, and a class counted twice.)"""
    from generator.spec import load_spec

    spec = load_spec(BLUEPRINTS["fedramp-moderate"])
    for regime in Regime:
        reqs = prowler.requirements(regime)
        cov = prowler_coverage(decide(spec), regime)
        by_class = {k: sum(1 for r in reqs if r["classification"] == k) for k in ("account", "procedural")}
        assert cov["total"] == len(reqs), regime
        assert (cov["account"], cov["procedural"]) == (by_class["account"], by_class["procedural"]), regime
        assert cov["total"] == cov["in_reach"] + cov["account"] + cov["procedural"] + cov["not_created"], (
            regime
        )
        assert cov["in_reach"] == (
            cov["covered"] + cov["partly"] + cov["not_applicable"] + (len(cov["uncovered"]) - cov["partly"])
        ), regime


def test_compliance_command_prints_prowlers_count() -> None:

    text = run_aisec("compliance", str(BLUEPRINTS["gdpr-rag-assistant"])).stdout
    assert (
        "Prowler 5.46.0 (aws_ai_security_framework_aws.json): 63 requirements, 26 in reach, 16 covered, 5 partly"
        in text
    )
    data = json_result(run_aisec("compliance", str(BLUEPRINTS["gdpr-rag-assistant"]), "--json"))
    (gdpr, ai) = data["regimes"]
    assert gdpr["prowler"]["covered"] == 3 and ai["prowler"]["uncovered"] == [
        "AISF-INFRA-01", "AISF-INFRA-05", "AISF-INFRA-08", "AISF-DATA-01", "AISF-DATA-04", "AISF-DETECT-02",
    ]  # fmt: skip


def test_readme_quotes_the_catalogues_figures() -> None:
    import collections

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for regime in Regime:
        reqs = prowler.requirements(regime)
        kinds = collections.Counter(
            "in" if r["classification"] == "technical" and not r.get("out_of_scope_reason") else
            "out" if r["classification"] == "technical" else r["classification"]
            for r in reqs
        )  # fmt: skip
        row = (f"| {regime.value} | {prowler.REGIME_FILES[regime]} | {len(reqs)} | {kinds['in']} | {kinds['out']} "
               f"| {kinds['account']} | {kinds['procedural']} |")  # fmt: skip
        assert row in readme, row


def test_coverage_counts_a_requirement_covered_only_when_its_checks_are_predicted_to_pass() -> None:
    """prowler_coverage reads the static prediction (predicted_checks): a requirement in reach is
    covered when each of its checks on what the landing creates that applies is predicted to pass,
    on every blueprint and regime."""
    from generator.reports.compliance import predicted_checks
    from generator.spec import load_spec

    table = prowler.check_table()
    compared = 0
    for name, path in sorted(BLUEPRINTS.items()):
        spec = load_spec(path)
        for regime in spec.compliance:
            controls = decide(spec)
            cov = prowler_coverage(controls, regime)
            pred = {row["check"]: row["prediction"] for row in predicted_checks(controls, regime)["table"]}
            for r in prowler.in_reach(regime):
                mine = [
                    ck
                    for ck in r["checks"]
                    if prowler.where(ck, table)[0] in ("controls", "gap") and pred[ck] != "not applicable"
                ]
                failing = [ck for ck in mine if pred[ck] != "pass"]
                assert (r["id"] in cov["uncovered"]) == bool(failing), (name, regime, r["id"], failing)
                compared += 1
    assert compared > 500


def test_a_requirement_with_a_falls_short_check_is_not_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Bedrock endpoints fall short of Prowler's five (falls_short): the ai-security requirement
    whose checks include bedrock_vpc_endpoints_configured is not covered on a RAG landing; and a
    check of a covered HIPAA requirement that we declare falling short uncovers it."""
    from generator.spec import load_spec

    rag = decide(load_spec(BLUEPRINTS["gdpr-rag-assistant"]))
    cov = prowler_coverage(rag, Regime.AI_SECURITY)
    endpoints = [
        r["id"]
        for r in prowler.in_reach(Regime.AI_SECURITY)
        if "bedrock_vpc_endpoints_configured" in r["checks"]
    ]
    assert endpoints and set(endpoints) <= set(cov["uncovered"])

    hc = decide(load_spec(BLUEPRINTS["healthcare-training"]))
    before = prowler_coverage(hc, Regime.HIPAA)
    rotation = [r["id"] for r in prowler.in_reach(Regime.HIPAA) if "kms_cmk_rotation_enabled" in r["checks"]]
    assert rotation and not set(rotation) & set(before["uncovered"])
    table = json.loads(json.dumps(prowler.check_table()))
    table["falls_short"]["kms_cmk_rotation_enabled"] = "a test: rotation falls short"
    monkeypatch.setattr(prowler, "check_table", lambda: table)
    after = prowler_coverage(hc, Regime.HIPAA)
    assert set(after["uncovered"]) - set(before["uncovered"]) == set(rotation)
    assert after["covered"] == before["covered"] - len(rotation)
