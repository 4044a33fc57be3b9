"""Macie custom data identifiers, suppression of synthetic-data findings and RAG corpora (bar 34).

The default identifiers are tried on sample texts with Python's ``re`` and a small emulation of
Macie's keyword proximity rule; the blueprints are rendered into their own folders, planned and
applied offline, and the state read back: the identifiers exist, the jobs name them, a RAG corpus is
classified whatever its label and its key lets Macie decrypt (evaluated, not grepped).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import MACIE_ROLE, RAG_CORPUS_DOMAINS, decide
from generator.errors import SpecError
from generator.render import render
from generator.render.writer import write
from generator.spec import (
    DEFAULT_IDENTIFIERS,
    DataCategory,
    MacieIdentifier,
    Sensitivity,
    WorkloadType,
    macie_regex_problem,
    macie_scanned,
    parse_spec,
)
from tests.conftest import BLUEPRINTS, run_aisec
from tests.offline import Rehearsal, all_resources


# ------------------------------------------------------------------ Macie's matching, approximated
def macie_matches_approx(identifier: MacieIdentifier, text: str) -> list[str]:
    """An APPROXIMATION of how Macie applies a custom data identifier to unstructured text, from its
    documented rules: a regex match is reported when one of the keywords (not case sensitive), complete,
    ends before the match starts and at most ``maximum_match_distance`` characters before the match's
    end; with no keywords every match is reported; a match containing an ignore word (case sensitive) is
    not. Python's ``re`` stands in for Macie's PCRE subset; structured data (CSV column names) and
    severity thresholds are not emulated."""
    found = []
    lowered = text.lower()
    for m in re.finditer(identifier.regex, text):
        if any(word in m.group(0) for word in identifier.ignore_words):
            continue
        if identifier.keywords:
            ends = [
                k.end()
                for word in identifier.keywords
                for k in re.finditer(re.escape(word.lower()), lowered)
                if k.end() <= m.start()
            ]
            if not any(m.end() - end <= identifier.maximum_match_distance for end in ends):
                continue
        found.append(m.group(0))
    return found


def _default(category: DataCategory, name: str) -> MacieIdentifier:
    return next(i for i in DEFAULT_IDENTIFIERS[category] if i.name == name)


SAMPLES: dict[tuple[DataCategory, str], list[tuple[str, list[str]]]] = {
    (DataCategory.PHI, "mrn"): [
        ("Patient MRN: 00123456, admitted 2026-03-02", ["00123456"]),
        ("Medical record number MR-4455667 reviewed by Dr. Ode", ["MR-4455667"]),
        ("patient id 9988776655 (discharged)", ["9988776655"]),
        ("chart number:  H1234567", ["H1234567"]),
        ("Invoice 12345678 paid in full", []),  # no keyword
        ("MRN" + " " * 40 + "12345678", []),  # keyword too far (30)
        ("12345678 is the MRN on file", []),  # keyword after the number
        ("MRN 12345", []),  # too short for a record number
        ("MRN 123456789012", []),  # too long: 12 digits
        ("MRN hotline 555-123-4567", []),  # a phone number
    ],
    (DataCategory.CARDHOLDER, "merchant-id"): [
        ("Merchant ID: 4445551234567 settled", ["4445551234567"]),
        ("MID 123456789012345", ["123456789012345"]),
        ("card acceptor id=00000012345678", ["00000012345678"]),
        ("order 123456789012 shipped", []),
        ("merchant id 1234567", []),  # 7 digits
        ("merchant id 12345678901234567", []),  # 17 digits
    ],
    (DataCategory.CARDHOLDER, "account-number"): [
        ("Account number 00012345678 closed", ["00012345678"]),
        ("acct: 987654321", ["987654321"]),
        ("ZIP 90210, reference 12345678", []),
        ("account number 12345", []),  # 5 digits
    ],
    (DataCategory.FINANCIAL, "account-number"): [
        ("Customer account 123456789012 overdrawn", ["123456789012"]),
        ("ACCOUNT NO. 55512345", ["55512345"]),
        ("Transaction 123456789 of 2026", []),
    ],
}


@pytest.mark.parametrize(("key", "cases"), sorted(SAMPLES.items(), key=lambda kv: (kv[0][0].value, kv[0][1])))
def test_default_identifiers_find_their_numbers_near_their_keywords(
    key: tuple[DataCategory, str], cases: list[tuple[str, list[str]]]
) -> None:
    identifier = _default(*key)
    for text, expected in cases:
        assert macie_matches_approx(identifier, text) == expected, (key, text)


def test_every_default_identifier_has_samples_and_is_valid_for_macie() -> None:
    for category, identifiers in DEFAULT_IDENTIFIERS.items():
        for identifier in identifiers:
            assert (category, identifier.name) in SAMPLES
            assert macie_regex_problem(identifier.regex) is None
            assert identifier.keywords and 1 <= identifier.maximum_match_distance <= 300
    assert {DataCategory.PHI, DataCategory.CARDHOLDER, DataCategory.FINANCIAL} <= set(DEFAULT_IDENTIFIERS)


def test_ignore_words_drop_synthetic_record_numbers() -> None:
    synthetic = _default(DataCategory.PHI, "mrn").model_copy(update={"ignore_words": ["ZZZ-"]})
    assert macie_matches_approx(synthetic, "MRN ZZZ-1234567") == []
    assert macie_matches_approx(synthetic, "MRN AB-1234567") == ["AB-1234567"]


# ------------------------------------------------------------------ the spec
def _data(blueprint: str) -> dict[str, Any]:
    return yaml.safe_load(BLUEPRINTS[blueprint].read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    return info.value.details


def _with_macie(macie: dict[str, Any], blueprint: str = "healthcare-training") -> dict[str, Any]:
    data = copy.deepcopy(_data(blueprint))
    data["workloads"][0]["macie"] = macie
    return data


@pytest.mark.parametrize(
    ("regex", "message"),
    [
        ("", "must be 1-512 characters"),
        ("a" * 513, "must be 1-512 characters"),
        ("[0-9", "does not compile"),
        ("(MRN)[0-9]{6}", "capturing groups are not supported by Macie"),
        ("(?i)mrn[0-9]{6}", "inline flags"),
        ("MRN(?=[0-9]{6})[0-9]+", "lookahead and lookbehind"),
        ("(?:a)(?:b)(?P<x>c)(?P=x)", "capturing groups"),
        ("[0-9]*", "matches the empty string"),
        ("(?:)", "matches the empty string"),
        ("[0-9]", "can match as few as 1"),
        ("\\bMR\\b", "can match as few as 2"),
        ("MRN\n[0-9]{6}", "no control characters"),
    ],
)
def test_identifier_regex_that_macie_refuses_or_that_matches_anything_is_refused(
    regex: str, message: str
) -> None:
    problems = _problems(_with_macie({"identifiers": [{"name": "mrn", "regex": regex}]}))
    assert len(problems) == 1, problems
    assert problems[0].startswith("spec.yaml: workloads[0].macie.identifiers[0].regex: "), problems
    assert message in problems[0], problems


@pytest.mark.parametrize(
    ("identifier", "where", "message"),
    [
        ({"keywords": ["ab"]}, "keywords[0]", "3-90 characters"),
        ({"keywords": [f"kw{i:03}" for i in range(51)]}, "keywords", "at most 50"),
        ({"ignore_words": ["abc"]}, "ignore_words[0]", "4-90 characters"),
        ({"ignore_words": [f"word{i}" for i in range(11)]}, "ignore_words", "at most 10"),
        ({"maximum_match_distance": 0}, "maximum_match_distance", "greater than or equal to 1"),
        ({"maximum_match_distance": 301}, "maximum_match_distance", "less than or equal to 300"),
        ({"name": "Not A Slug"}, "name", "not a valid name"),
        ({"keywords": ["MRN", "MRN"]}, "keywords", "unique"),
    ],
)
def test_identifier_fields_outside_macie_limits_are_refused(
    identifier: dict[str, Any], where: str, message: str
) -> None:
    problems = _problems(
        _with_macie({"identifiers": [{"name": "mrn", "regex": "MRN[0-9]{6}", **identifier}]})
    )
    assert any(
        p.startswith(f"spec.yaml: workloads[0].macie.identifiers[0].{where}: ") and message in p
        for p in problems
    ), problems


def test_macie_settings_contradictions_are_refused() -> None:
    dup = _problems(
        _with_macie(
            {"identifiers": [{"name": "x-id", "regex": "X[0-9]{6}"}, {"name": "x-id", "regex": "Y[0-9]{6}"}]}
        )
    )
    assert dup == [
        "spec.yaml: workloads[0].macie.identifiers[1].name: duplicate identifier name 'x-id' (also identifiers[0])"
    ]
    many = _problems(
        _with_macie({"identifiers": [{"name": f"id{i}", "regex": f"ID{i}-[0-9]{{6}}"} for i in range(30)]})
    )
    assert many == [
        "spec.yaml: workloads[0].macie.identifiers: 31 custom identifiers with the defaults; a Macie job takes at most 30"
    ]
    words = _with_macie(
        {
            "identifiers": [
                {"name": "mrn", "regex": "MRN[0-9]{6}", "ignore_words": [f"word{i}" for i in range(6)]}
            ],
            "ignore_words": [f"more{i}" for i in range(5)],
        }
    )
    assert _problems(words) == [
        "spec.yaml: workloads[0].macie.ignore_words: identifier 'mrn' would have 11 ignore words with these; "
        "Macie allows at most 10"
    ]
    synthetic = _problems(_with_macie({"archive_synthetic": True}))  # healthcare-training: deidentified
    assert synthetic == [
        "spec.yaml: workloads[0].macie.archive_synthetic: only when data.non_production is synthetic: "
        "findings in dev and test are real otherwise"
    ]
    internal = _with_macie({"identifiers": []}, "batch-scoring")
    assert _problems(internal)[0].startswith(
        "spec.yaml: workloads[0].macie: no Macie job scans this workload"
    )


def test_bad_identifier_exits_2_with_the_field_path(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_with_macie({"identifiers": [{"name": "mrn", "regex": "(MRN)[0-9]+"}]})))
    result = run_aisec("check-spec", str(spec))
    assert result.returncode == 2, result
    assert (
        f"{spec}: workloads[0].macie.identifiers[0].regex: capturing groups are not supported by Macie"
        in (result.stdout + result.stderr)
    )
    assert "Traceback" not in result.stderr


def test_identifiers_default_replace_and_extend() -> None:
    wl = parse_spec(_data("fraud-inference")).workloads[0]
    assert [i.name for i in wl.macie_identifiers()] == ["merchant-id", "account-number"]
    data = _with_macie(
        {
            "identifiers": [
                {"name": "mrn", "regex": "MRN-[0-9]{8}", "keywords": ["MRN"]},
                {"name": "study-id", "regex": "STUDY-[0-9]{5}"},
            ],
            "ignore_words": ["ZZZ-"],
        }
    )
    chosen = {i.name: i for i in parse_spec(data).workloads[0].macie_identifiers()}
    assert chosen["mrn"].regex == "MRN-[0-9]{8}" and chosen["mrn"].ignore_words == ["ZZZ-"]
    assert chosen["study-id"].ignore_words == ["ZZZ-"] and list(chosen) == ["mrn", "study-id"]
    off = parse_spec(_with_macie({"default_identifiers": False})).workloads[0]
    assert off.macie_identifiers() == ()


def test_rag_corpora_are_scanned_whatever_their_label() -> None:
    spec = parse_spec(_data("multi-workload"))
    controls = decide(spec)
    for plan in controls.workloads:
        wl = plan.workload
        assert macie_scanned(wl) == all(s.macie_job is not None for s in plan.stages), wl.name
        if wl.type is WorkloadType.RAG and wl.data.sensitivity.rank < Sensitivity.CONFIDENTIAL.rank:
            for stage in plan.stages:
                assert stage.macie_job is not None and stage.macie_job.domains == RAG_CORPUS_DOMAINS
                datasets = next(k for k in stage.keys if k.domain == "datasets")
                assert (
                    datasets.macie_reads
                    and not next(k for k in stage.keys if k.domain == "artifacts").macie_reads
                )
    assert any(
        w.workload.type is WorkloadType.RAG and w.workload.data.sensitivity is Sensitivity.INTERNAL
        for w in controls.workloads
    )


@pytest.mark.parametrize("sensitivity", ["public", "internal", "confidential"])
def test_the_gdpr_rag_assistant_corpus_is_scanned_under_any_label(sensitivity: str) -> None:
    data = copy.deepcopy(_data("gdpr-rag-assistant"))
    data["workloads"][0]["data"] = {"sensitivity": sensitivity}  # no categories: any label is coherent
    controls = decide(parse_spec(data))
    for stage in controls.stages:
        assert stage.macie_job is not None and "datasets" in stage.macie_job.domains
        corpus = next(k for k in stage.keys if k.domain == "datasets")
        assert corpus.macie_reads
        assert ("artifacts" in stage.macie_job.domains) == (sensitivity == "confidential")


# ------------------------------------------------------------------ applied offline
def _apply(folder: Path, files: dict[str, str]) -> dict[str, dict[str, Any]]:
    write(folder, files)
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return {res["address"]: res["values"] for res in all_resources(r.show_json()["values"]["root_module"])}


def _by_type(state: dict[str, dict[str, Any]], rtype: str) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in state.items() if f".{rtype}." in a}


@pytest.fixture(scope="module")
def landings(applied: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The blueprints as the session applied them: each resource's values by address."""
    return {
        name: {
            res["address"]: res["values"]
            for res in all_resources(applied[name]["state"]["values"]["root_module"])
        }
        for name in ("healthcare-training", "fraud-inference", "multi-workload", "existing-foundation")
    }


@pytest.mark.terraform
@pytest.mark.parametrize(
    ("blueprint", "expected"),
    [
        ("healthcare-training", {"notes-training-mrn"}),
        ("fraud-inference", {"fraud-scoring-merchant-id", "fraud-scoring-account-number"}),
    ],
)
def test_applied_identifiers_are_used_by_every_job_of_the_workload(
    blueprint: str, expected: set[str], landings: dict[str, dict[str, dict[str, Any]]]
) -> None:
    state = landings[blueprint]
    spec = parse_spec(_data(blueprint))
    identifiers = _by_type(state, "aws_macie2_custom_data_identifier")
    names = {v["name"]: v for v in identifiers.values()}
    assert set(names) == {f"{spec.name}-{k}" for k in expected}
    for identifier in names.values():
        key = identifier["name"].removeprefix(f"{spec.name}-")
        default = next(i for ids in DEFAULT_IDENTIFIERS.values() for i in ids if key.endswith(i.name))
        assert identifier["regex"] == default.regex
        assert sorted(identifier["keywords"]) == sorted(default.keywords)
        assert identifier["maximum_match_distance"] == default.maximum_match_distance
    ids = {v["id"] for v in identifiers.values()}
    jobs = _by_type(state, "aws_macie2_classification_job")
    assert jobs and all(set(j["custom_data_identifier_ids"]) == ids for j in jobs.values()), jobs
    assert not _by_type(state, "aws_macie2_findings_filter")  # deidentified / tokenized: real findings


@pytest.mark.terraform
def test_applied_rag_corpus_labelled_internal_is_classified_and_decryptable(
    landings: dict[str, dict[str, dict[str, Any]]],
) -> None:
    state = landings["multi-workload"]
    controls = decide(parse_spec(_data("multi-workload")))
    account = controls.spec.aws.account_id
    macie = MACIE_ROLE.format(account=account)
    jobs = {v["name"]: v for v in _by_type(state, "aws_macie2_classification_job").values()}
    keys = {v["tags"]["Name"]: v for v in _by_type(state, "aws_kms_key").values()}
    rag = [w for w in controls.workloads if w.workload.type is WorkloadType.RAG]
    assert rag and rag[0].workload.data.sensitivity is Sensitivity.INTERNAL
    for stage in rag[0].stages:
        job = jobs[f"{controls.spec.name}-{stage.macie_job.key}"]  # type: ignore[union-attr]
        buckets = job["s3_job_definition"][0]["bucket_definitions"][0]["buckets"]
        corpus = next(b.name for b in stage.buckets if b.domain == "datasets")
        assert buckets == [corpus]
        assert job["schedule_frequency"][0]["weekly_schedule"] == "MONDAY"
        for key in stage.keys:
            if key.domain == "logs":
                continue
            value = keys[key.alias]
            request = Request(
                macie,
                "kms:Decrypt",
                value["arn"],
                {
                    "kms:CallerAccount": account,
                    "kms:ViaService": f"s3.{controls.spec.aws.region}.amazonaws.com",
                    "aws:ViaAWSService": True,
                },
            )
            decision = evaluate(
                request,
                resource_policy=value["policy"],
                resource_must_allow=True,
                identity_policies=[
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
                    }
                ],
            )
            assert decision.allowed == (key.domain == "datasets"), (key.alias, decision)


@pytest.mark.terraform
def test_applied_synthetic_stages_archive_their_findings(
    landings: dict[str, dict[str, dict[str, Any]]],
) -> None:
    state = landings["existing-foundation"]
    controls = decide(parse_spec(_data("existing-foundation")))
    filters = list(_by_type(state, "aws_macie2_findings_filter").values())
    nonprod = [s for s in controls.stages if s.stage.value != "prod"]
    assert len(filters) == len(nonprod) == 1
    f = filters[0]
    assert f["action"] == "ARCHIVE"
    criteria = {c["field"]: sorted(c["eq"]) for c in f["finding_criteria"][0]["criterion"]}
    assert criteria == {
        "category": ["CLASSIFICATION"],
        "resourcesAffected.s3Bucket.name": sorted(b.name for b in nonprod[0].buckets),
    }
    prod = [s for s in controls.stages if s.stage.value == "prod"]
    assert all(b.name not in criteria["resourcesAffected.s3Bucket.name"] for s in prod for b in s.buckets)


HOSTILE_REGEX = 'MRN"} resource "aws_iam_user" "x" { name = "${file(?:"/etc/passwd")}" %{ if true }[0-9]{6}'


@pytest.mark.terraform
def test_hostile_identifier_strings_reach_macie_verbatim(tmp_path: Path) -> None:
    assert macie_regex_problem(HOSTILE_REGEX) is None  # a valid regex: only the HCL writer stands between
    data = _with_macie(
        {
            "identifiers": [
                {
                    "name": "hostile",
                    "regex": HOSTILE_REGEX,
                    "keywords": ['kw" ]\n'.strip(), "${var.x}", "%{ endif }"],
                    "ignore_words": ['"} #x', "\\u0022"],
                    "description": 'desc" } resource "x" "y" { ${path.root}',
                }
            ]
        }
    )
    files = render(parse_spec(data))
    assert '"$${file(' in files["main.tf"]  # interpolation escaped, not evaluated
    state = _apply(tmp_path / "out", files)
    assert not _by_type(state, "aws_iam_user")
    hostile = next(
        v
        for v in _by_type(state, "aws_macie2_custom_data_identifier").values()
        if v["name"].endswith("-hostile")
    )
    assert hostile["regex"] == HOSTILE_REGEX
    assert sorted(hostile["keywords"]) == sorted(['kw" ]', "${var.x}", "%{ endif }"])
    assert sorted(hostile["ignore_words"]) == sorted(['"} #x', "\\u0022"])
    assert hostile["description"] == 'desc" } resource "x" "y" { ${path.root}'
