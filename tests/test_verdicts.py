"""Prowler's verdicts before deploying (generator/reports/checks/), on the state of a real offline
apply of every blueprint: golden files per blueprint, and a deliberately weakened landing that flips
exactly the verdicts it should."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from generator.reports import checks
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS, aisec_env, json_result, run_aisec

GOLDEN = Path(__file__).parent / "golden" / "verdicts"
UPDATE = os.environ.get("AISEC_UPDATE_GOLDEN") == "1"
REGENERATE = "AISEC_UPDATE_GOLDEN=1 pytest tests/test_verdicts.py -k golden"

State = dict[str, Any]


@pytest.fixture(scope="session")
def verdict_states(applied: dict[str, dict[str, Any]]) -> dict[str, State]:
    """Every blueprint's state after the session's offline apply (the shared `applied` fixture): the
    values `aisec compliance --checks` judges after its own rehearsal, which
    test_cli_json_matches_the_golden_verdicts runs for one blueprint against the same golden file."""
    return {name: {"values": result["state"]["values"]} for name, result in applied.items()}  # type: ignore[index]


def _by_check(verdicts: list[checks.Verdict]) -> dict[str, checks.Verdict]:
    return {v.check: v for v in verdicts}


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_golden(name: str, verdict_states: dict[str, State]) -> None:
    regimes = load_spec(BLUEPRINTS[name]).compliance
    text = json.dumps(checks.report(checks.evaluate(verdict_states[name]), regimes), indent=1) + "\n"
    golden = GOLDEN / f"{name}.json"
    if UPDATE and (not golden.is_file() or golden.read_text(encoding="utf-8") != text):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        pytest.fail(
            f"{name}: rewrote {golden}; review `git diff tests/golden` and run again without AISEC_UPDATE_GOLDEN"
        )
    assert golden.is_file(), f"no golden verdicts for {name}; run: {REGENERATE}"
    assert golden.read_text(encoding="utf-8") == text, (
        f"{name}: verdicts differ from {golden}; review and run: {REGENERATE}"
    )


def test_every_verdict_is_explained(verdict_states: dict[str, State]) -> None:
    """Passes carry evidence; failures, dependencies and skips say what fixes, what and why."""
    for name, state in verdict_states.items():
        verdicts = checks.evaluate(state)
        assert [v.check for v in verdicts] == sorted(checks.CHECKS)
        for v in verdicts:
            assert v.status in checks.STATUSES
            if v.status == "pass":
                assert v.evidence and all(": " in e or "roles of the landing" in e for e in v.evidence), (
                    name,
                    v,
                )
            else:
                assert v.fix, (name, v)


def _resource(state: State, rtype: str, contains: str = "") -> dict[str, Any]:
    def walk(module: dict[str, Any]) -> Any:
        yield from module.get("resources", [])
        for child in module.get("child_modules", []):
            yield from walk(child)

    return next(
        r for r in walk(state["values"]["root_module"]) if r["type"] == rtype and contains in r["address"]
    )


def _weakened(state: State) -> tuple[State, dict[str, str]]:
    """Rotation off on one key, one dataset bucket public (its public access block off and a bucket
    policy statement letting anyone read), no log file validation on the trail."""
    weak = copy.deepcopy(state)
    key = _resource(weak, "aws_kms_key", "datasets")
    key["values"]["enable_key_rotation"] = False
    pab = _resource(weak, "aws_s3_bucket_public_access_block", "datasets")
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        pab["values"][flag] = False
    policy = _resource(weak, "aws_s3_bucket_policy", "datasets")
    bucket = policy["values"]["bucket"]
    document = json.loads(policy["values"]["policy"])
    document["Statement"].append(
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    policy["values"]["policy"] = json.dumps(document)
    trail = _resource(weak, "aws_cloudtrail")
    trail["values"]["enable_log_file_validation"] = False
    return weak, {
        "key": key["address"],
        "pab": pab["address"],
        "policy": policy["address"],
        "trail": trail["address"],
    }


def test_weakened_landing_flips_exactly_what_it_should(verdict_states: dict[str, State]) -> None:
    state = verdict_states["healthcare-training"]
    before = _by_check(checks.evaluate(state))
    weak, where = _weakened(state)
    after = _by_check(checks.evaluate(weak))
    flipped = {c for c in before if before[c].status != after[c].status}
    assert flipped == {
        "kms_cmk_rotation_enabled",
        "s3_bucket_level_public_access_block",
        "s3_bucket_public_access",
        "s3_bucket_cross_account_access",
        "cloudtrail_log_file_validation_enabled",
    }
    for c in flipped:
        assert (before[c].status, after[c].status) == ("pass", "fail"), c
    # the failures name what was weakened, and the control that fixes it
    assert after["kms_cmk_rotation_enabled"].evidence == (f"{where['key']}: enable_key_rotation = false",)
    assert after["kms_cmk_rotation_enabled"].fix == "KMS-1"
    assert [e.split(":")[0] for e in after["s3_bucket_level_public_access_block"].evidence] == [where["pab"]]
    assert where["policy"] in after["s3_bucket_public_access"].evidence[0]
    assert "s3:GetObject" in after["s3_bucket_cross_account_access"].evidence[0]
    assert after["cloudtrail_log_file_validation_enabled"].evidence == (
        f"{where['trail']}: enable_log_file_validation = false",
    )
    assert after["cloudtrail_log_file_validation_enabled"].fix == "TRL-1"
    # reading: public read only, so the write checks keep passing; ACLs stay disabled
    assert after["s3_bucket_policy_public_write_access"].status == "pass"
    assert after["s3_bucket_public_write_acl"].status == "pass"


def _prowler_filter_patterns() -> dict[str, str]:
    """Each CloudWatch metric-filter check's pattern as Prowler 5.46 builds it, from the pinned wheel:
    the check's own regex, or its build_metric_filter_pattern(...) call run through Prowler's own
    function (lifted from prowler/providers/aws/services/cloudwatch/lib/metric_filters.py; the rest of
    that module needs Prowler's dependencies)."""
    import ast
    import zipfile

    from generator.decide import prowler

    base = "prowler/providers/aws/services/cloudwatch/"
    with zipfile.ZipFile(prowler.wheel_path()) as z:
        lib = ast.parse(z.read(base + "lib/metric_filters.py").decode())
        build = next(
            n for n in lib.body if isinstance(n, ast.FunctionDef) and n.name == "build_metric_filter_pattern"
        )
        scope: dict[str, Any] = {}
        exec(
            compile(ast.Module([*ast.parse("import re").body, build], []), "metric_filters.py", "exec"), scope
        )
        patterns = {}
        for name in checks._FILTERS:
            tree = ast.parse(z.read(f"{base}{name}/{name}.py").decode())
            [assign] = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "pattern"
            ]
            value = assign.value
            if isinstance(value, ast.Call):
                assert getattr(value.func, "id", "") == "build_metric_filter_pattern", name
                kwargs = {k.arg: ast.literal_eval(k.value) for k in value.keywords}
                patterns[name] = scope["build_metric_filter_pattern"](**kwargs)
            else:
                patterns[name] = ast.literal_eval(value)
    return patterns


def test_metric_filter_checks_look_for_what_prowler_looks_for() -> None:
    """The engine's pattern for each metric-filter check is the regex Prowler 5.46 builds for it."""
    theirs = _prowler_filter_patterns()
    assert len(theirs) == 15
    for name, pattern in theirs.items():
        assert checks._filter_regex(checks._FILTERS[name]) == pattern, name


def test_organizations_filter_passes_with_every_event_prowler_asks_and_fails_without_one(
    verdict_states: dict[str, State],
) -> None:
    """audit 1.4.0's organizations-changes filter (CIS 4.15 plus CancelHandshake, CreateOrganization
    and EnableAllFeatures) passes Prowler's check as applied; the same filter missing any one of the
    events Prowler requires fails it, and nothing else flips."""
    check = "cloudwatch_log_metric_filter_aws_organizations_changes"
    state = verdict_states["healthcare-training"]
    before = _by_check(checks.evaluate(state))
    assert before[check].status == "pass", before[check]
    assert 'metric_filter.this["organizations-changes"]: pattern matches' in before[check].evidence[0]
    for event in ("CancelHandshake", "CreateOrganization", "EnableAllFeatures", "AcceptHandshake"):
        weak = copy.deepcopy(state)
        mf = _resource(weak, "aws_cloudwatch_log_metric_filter", '"organizations-changes"')
        clause = (
            f' || ($.eventName = "{event}")'
            if event != "AcceptHandshake"
            else f'($.eventName = "{event}") || '
        )
        assert clause in mf["values"]["pattern"], event
        mf["values"]["pattern"] = mf["values"]["pattern"].replace(clause, "")
        after = _by_check(checks.evaluate(weak))
        assert {c for c in before if before[c].status != after[c].status} == {check}, event
        assert after[check].status == "fail" and after[check].fix == "MON-1", event


def test_the_trail_records_cloudtrail_insights_and_the_check_flips_without_them(
    verdict_states: dict[str, State],
) -> None:
    """audit 1.5.0's trail, as applied, has both Insights selectors (TRL-1): Prowler's
    cloudtrail_insights_exist passes; the same trail without them fails it, and nothing else flips."""
    check = "cloudtrail_insights_exist"
    state = verdict_states["healthcare-training"]
    trail = _resource(state, "aws_cloudtrail")
    assert sorted(s["insight_type"] for s in trail["values"]["insight_selector"]) == [
        "ApiCallRateInsight",
        "ApiErrorRateInsight",
    ]
    before = _by_check(checks.evaluate(state))
    assert before[check].status == "pass" and "insight_selector" in before[check].evidence[0]
    weak = copy.deepcopy(state)
    _resource(weak, "aws_cloudtrail")["values"]["insight_selector"] = []
    after = _by_check(checks.evaluate(weak))
    assert {c for c in before if before[c].status != after[c].status} == {check}
    assert after[check].status == "fail" and after[check].fix == "TRL-1"


def test_a_public_write_statement_is_caught_once_the_bucket_no_longer_restricts_public_policies(
    verdict_states: dict[str, State],
) -> None:
    weak, _ = _weakened(verdict_states["healthcare-training"])
    policy = _resource(weak, "aws_s3_bucket_policy", "datasets")
    document = json.loads(policy["values"]["policy"])
    document["Statement"][-1]["Action"] = ["s3:GetObject", "s3:PutObject"]
    policy["values"]["policy"] = json.dumps(document)
    verdict = _by_check(checks.evaluate(weak))["s3_bucket_policy_public_write_access"]
    assert verdict.status == "fail" and "s3:PutObject" in verdict.evidence[0]


def test_secure_transport_follows_prowlers_test() -> None:
    """Prowler wants a Deny on s3:PutObject, s3:* or * with Bool aws:SecureTransport "false"."""
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    good = {"Statement": [{**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    numeric = {"Statement": [{**deny, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}]}
    reads_only = {
        "Statement": [
            {**deny, "Action": "s3:GetObject", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        ]
    }
    assert checks._denies_insecure_transport(good)
    assert not checks._denies_insecure_transport(numeric)
    assert not checks._denies_insecure_transport(reads_only)


def test_guardrail_output_defaults_are_not_mistaken_for_a_weakness() -> None:
    """The stand-in fills unset output_action/output_enabled with made-up values; AWS applies `action`."""
    unset = {
        "type": "EMAIL",
        "action": "ANONYMIZE",
        "output_action": "output_action-aa95c5c303d2",
        "output_enabled": False,
    }
    assert checks._enforced_on_output(unset)
    assert not checks._enforced_on_output({**unset, "action": "NONE"})
    assert not checks._enforced_on_output({**unset, "output_action": "BLOCK", "output_enabled": False})
    assert not checks._enforced_on_output({**unset, "output_action": "NONE", "output_enabled": True})


def test_a_check_without_evaluator_is_not_evaluated() -> None:
    [verdict] = checks.evaluate({"values": {"root_module": {}}}, ["rds_instance_storage_encrypted"])
    assert verdict.status == "not evaluated" and verdict.fix


def test_cli_json_matches_the_golden_verdicts() -> None:
    """`aisec compliance SPEC --checks --json`: its own render and offline apply, same verdicts."""
    name = "existing-foundation"  # the smallest landing: one more offline apply
    result = run_aisec("compliance", str(BLUEPRINTS[name]), "--checks", "--json", env=aisec_env())
    assert result.returncode == 0, result.stderr
    got = json_result(result)
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert got["checks"] == golden["checks"] and got["totals"] == golden["totals"]
    assert got["regimes"] == golden["regimes"] and list(got["regimes"]) == ["hipaa"]


def test_cli_missing_spec_is_a_clear_error(tmp_path: Path) -> None:
    result = run_aisec("compliance", str(tmp_path / "nope.yaml"), "--checks")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "nope.yaml" in result.stderr + result.stdout


def test_verdicts_per_regime_count_the_checks_of_its_requirements_in_reach() -> None:
    """A regime's totals: the checks of its in-reach requirements (technical, not out of scope), each
    counted once; a check nobody evaluated counts as not evaluated; failures are named."""
    from generator.decide.prowler import check_table, requirements, where
    from generator.spec import Regime

    in_reach = [
        r
        for r in requirements(Regime.HIPAA)
        if r["classification"] == "technical" and not r.get("out_of_scope_reason")
    ]
    names = sorted({c for r in in_reach for c in r["checks"]})
    assert len(names) > 10
    outside = [r for r in requirements(Regime.HIPAA) if r not in in_reach]
    only_outside = sorted({c for r in outside for c in r["checks"]} - set(names))
    verdicts = [checks.Verdict(names[0], "fail", ("a: b = c",), "KMS-1")]
    verdicts += [checks.Verdict(c, "pass", ("x",)) for c in names[1:-1]]
    verdicts += [checks.Verdict(c, "fail", ("x",)) for c in only_outside]  # not the regime's business
    got = checks.by_regime(verdicts, [Regime.HIPAA])["hipaa"]
    assert got["requirements_in_reach"] == len(in_reach) and got["checks"] == len(names)
    last = "not applicable" if where(names[-1], check_table())[0] == "outside" else "not evaluated"
    assert (got["pass"], got["fail"], got["depends"], got[last]) == (len(names) - 2, 1, 0, 1)
    assert got["not evaluated"] + got["not applicable"] == 1
    assert got["failing"] == [names[0]]
    assert checks.by_regime(verdicts, []) == {}


def test_cli_text_shows_the_totals_per_regime(capsys: pytest.CaptureFixture[str]) -> None:
    """The text form of `--checks` ends with a line per selected regime, failures named."""
    from generator import cli

    golden = json.loads((GOLDEN / "gdpr-rag-assistant.json").read_text(encoding="utf-8"))
    cli._print_verdicts({"spec": "gdpr-rag-assistant", **golden}, as_json=False)
    text = " ".join(capsys.readouterr().out.split())
    ai = golden["regimes"]["ai-security"]
    assert (
        f"ai-security: {ai['checks']} checks of its {ai['requirements_in_reach']} requirements in reach: "
        f"{ai['pass']} pass, {ai['fail']} fail" in text
    )
    assert "failing: bedrock_vpc_endpoints_configured" in text and "gdpr: 60 checks" in text


def test_readme_before_after_table_ends_at_the_golden_verdicts() -> None:
    """The README's "Before and after the security work" table (benchmarks/verdicts_before_after.py):
    each "after" figure is today's golden verdict count, for every regime every blueprint with a
    regime selects, so a change of the goldens cannot leave the table behind."""
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Before and after the security work.**", 1)[1].split("\n## ", 1)[0]
    columns = ("checks", "pass", "fail", "depends", "not evaluated", "not applicable")
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 2 + len(columns) and cells[0] in BLUEPRINTS:
            rows[(cells[0], cells[1])] = [c.split("→")[-1].strip() for c in cells[2:]]
    expected = {}
    for name in BLUEPRINTS:
        golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
        for regime, counts in golden["regimes"].items():
            expected[(name, regime)] = [str(counts[c]) for c in columns]
    assert rows == expected


def _mispredicted(name: str, state: State) -> tuple[int, list[str]]:
    """How many checks the engine judges pass or fail on the landing, and those predicted otherwise."""
    from generator.decide.policy import decide
    from generator.reports.compliance import predicted_checks

    spec = load_spec(BLUEPRINTS[name])
    controls = decide(spec)
    judged = {v.check: v for v in checks.evaluate(state)}
    compared, wrong = 0, []
    for regime in spec.compliance:
        for row in predicted_checks(controls, regime)["table"]:
            verdict = judged.get(row["check"])
            if verdict is None or verdict.status not in ("pass", "fail"):
                continue  # the engine cannot tell before deploying (depends, not evaluated)
            compared += 1  # a verdict of the landing's own: the prediction must be the same
            if verdict.status != row["prediction"]:
                wrong.append(
                    f"{name} {regime.value} {row['check']}: predicted {row['prediction']} "
                    f"({', '.join(row['controls'])} {row['reason']}), judged {verdict.status}: "
                    f"{'; '.join(verdict.evidence[:2])} {verdict.fix}"
                )
    return compared, wrong


def test_static_predictions_agree_with_the_verdicts_on_the_applied_state(
    verdict_states: dict[str, State],
) -> None:
    """COMPLIANCE.md's predicted pass and fail (reports/compliance.py: predicted_checks, from the check
    table and the landing's controls, no plan) are what the engine judges on every blueprint's state
    after an offline apply, for each check of each selected regime that the engine judges pass or
    fail (a prediction of depends or not applicable there is wrong too). No exceptions: where they differed, data/prowler_checks.yaml was corrected (its
    falls_short and access_log_bucket sections say where our controls do not suffice)."""
    compared, wrong = 0, []
    for name, state in sorted(verdict_states.items()):
        n, w = _mispredicted(name, state)
        # not vacuous: every blueprint that selects a regime has checks both sides judge
        assert n > 10 or not load_spec(BLUEPRINTS[name]).compliance, name
        compared, wrong = compared + n, wrong + w
    assert not wrong, "\n".join(wrong)
    assert compared > 300


def test_predictions_appear_in_compliance_md_and_the_json_alike() -> None:
    """One pure function feeds the rendered COMPLIANCE.md and `aisec compliance` (--json and text)."""
    from generator.decide.policy import decide
    from generator.render import render
    from generator.reports.compliance import predicted_checks

    name = "gdpr-rag-assistant"
    spec = load_spec(BLUEPRINTS[name])
    result = run_aisec("compliance", str(BLUEPRINTS[name]), "--json")
    assert result.returncode == 0, result.stderr
    got = {r["regime"]: r["predicted"] for r in json_result(result)["regimes"]}
    assert list(got) == [r.value for r in spec.compliance]
    text = " ".join(render(spec)["COMPLIANCE.md"].split())
    printed = " ".join(run_aisec("compliance", str(BLUEPRINTS[name])).stdout.split())
    for regime in spec.compliance:
        expected = predicted_checks(decide(spec), regime)
        assert got[regime.value] == expected
        t = expected["totals"]
        assert f"of **{expected['checks']}** checks, **{t['pass']} pass**, **{t['fail']} fail**" in text
        assert t["pass"] and sum(t.values()) == expected["checks"]
        assert (
            f"predicted for its {expected['checks']} checks in reach: {t['pass']} pass, {t['fail']} fail"
            in printed
        )
        for row in expected["table"]:
            assert f"| `{row['check']}` | {row['prediction']} |" in text
    assert "| `bedrock_vpc_endpoints_configured` | fail | NET-1; NET-1 creates the Bedrock endpoints" in text
