"""Hostile and random input: nothing a spec holds can add Terraform code, crash aisec or leave a
half-written output; every valid spec renders to HCL that Terraform accepts and formats as we do."""

from __future__ import annotations

import copy
import json
import string
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import core
from generator.errors import SpecError
from generator.render import render
from generator.render.writer import write
from generator.spec import (
    CATEGORY_RULES,
    REGIONS,
    DataCategory,
    Regime,
    Sensitivity,
    Spec,
    WorkloadType,
    load_yaml_text,
    parse_spec,
    secret_problems,
)
from tests.conftest import BLUEPRINTS, run_aisec, terraform_binary, terraform_env
from tests.offline import Rehearsal, all_resources

BASE = yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text())

# Values that pass validation yet carry every character each field allows beyond [a-z0-9-].
HOSTILE_VALID = {
    "tags": {"a:b/c=d+e@f g_h.i-j": "v:/=+@ x_y.z-é", "Ωmega": "naïve résumé", "k": ""},
    "description": 'x" } resource "aws_iam_user" "u" { name = "${file("/etc/passwd")}" } %{ if true } <script>|*_[]()#',
    "admin": "arn:aws:iam::111122223333:role/team+ops=1,a.b@c_d-e/Admin",
    "email": "a.b%c+d@mail.example.co",
    "state_key": "env/!weird*('key')/state.tfstate",
}


def hostile_spec() -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["tags"] = HOSTILE_VALID["tags"]
    data["workloads"][0]["description"] = HOSTILE_VALID["description"]
    data["access"]["admin_principals"] = [HOSTILE_VALID["admin"]]
    data["alerts"]["email"] = [HOSTILE_VALID["email"]]
    data["state"] = {"backend": "s3", "bucket": "tf-state-bucket", "key": HOSTILE_VALID["state_key"]}
    return data


def blocks(text: str) -> list[tuple[str, ...]]:
    """Top-level blocks of an HCL file as (type, labels...) tuples."""
    found: list[tuple[str, ...]] = []
    for kind, entries in hcl2.loads(text).items():
        for entry in entries:
            if kind in ("terraform", "locals"):
                found.append((kind,))
                continue
            for label, body in entry.items():
                if kind == "resource" or kind == "data":
                    found += [(kind, label, name) for name in body]
                else:
                    found.append((kind, label))
    return sorted(found)


def test_hostile_values_add_no_blocks_and_round_trip(tmp_path: Path) -> None:
    baseline = copy.deepcopy(BASE)
    baseline["state"] = {"backend": "s3", "bucket": "tf-state-bucket", "key": "plain"}
    plain, hostile = render(parse_spec(baseline)), render(parse_spec(hostile_spec()))
    assert sorted(plain) == sorted(hostile)
    for path in plain:
        if path.endswith(".tf"):
            assert blocks(plain[path]) == blocks(hostile[path]), path
    assert "aws_iam_user" not in "".join(t for p, t in hostile.items() if p.endswith(".tf"))
    # Terraform itself reads the values back exactly: the provider's default tags and the roles.
    out = tmp_path / "out"
    write(out, hostile)
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    plan = r.show_json("tfplan")
    provider = plan["configuration"]["provider_config"]["aws"]["expressions"]
    tags = provider["default_tags"][0]["tags"]["constant_value"]
    assert tags == {**HOSTILE_VALID["tags"], "managed-by": "aisec", "aisec-landing": "clinical-ai"}
    r.ok("apply", "-input=false", "tfplan")
    values = {res["address"]: res["values"] for res in all_resources(r.show_json()["values"]["root_module"])}
    subscription = values[f'module.audit.aws_sns_topic_subscription.email["{HOSTILE_VALID["email"]}"]']
    assert subscription["endpoint"] == HOSTILE_VALID["email"]
    key_policy = json.loads(values['module.foundation_kms.aws_kms_key.this["audit"]']["policy"])
    admins = next(s for s in key_policy["Statement"] if s.get("Sid") == "KeyAdministrators")
    assert admins["Principal"] == {"AWS": HOSTILE_VALID["admin"]}
    readme = hostile["README.md"]
    assert "<script>" not in readme and "\\<script\\>" in readme


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("tags", {"k": 'v" }\nresource "x" "y" {'}),
        ("tags", {"k": '${file("/etc/passwd")}'}),
        ("tags", {'k"] = 1 #': "v"}),
        ("name", 'ai"\n'),
        ("admin", 'arn:aws:iam::111122223333:role/x"}'),
        ("email", 'a@b.co" ]'),
        ("state_key", "key\n"),
        ("description", "line one\nline two"),
    ],
)
def test_hostile_values_outside_the_alphabet_are_refused(tmp_path: Path, where: str, value: Any) -> None:
    data = copy.deepcopy(BASE)
    if where == "tags":
        data["tags"] = value
    elif where == "name":
        data["name"] = value
    elif where == "admin":
        data["access"]["admin_principals"] = [value]
    elif where == "email":
        data["alerts"]["email"] = [value]
    elif where == "state_key":
        data["state"] = {"backend": "s3", "bucket": "b-bucket", "key": value}
    else:
        data["workloads"][0]["description"] = value
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    proc = run_aisec("render", str(spec), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- random documents
def _load(text: str) -> Spec | None:
    """The loading path of a spec file: a Spec, or a SpecError; anything else fails the test."""
    try:
        return parse_spec(load_yaml_text(text, "fuzz.yaml"), "fuzz.yaml")
    except SpecError as exc:
        assert exc.exit_code == 2 and exc.message.startswith("fuzz.yaml")
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_is_a_spec_error(text: str) -> None:
    _load(text)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_yaml_structure_loads_or_is_a_spec_error(value: Any) -> None:
    _load(yaml.safe_dump(value))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_blueprints_load_or_are_spec_errors(data: st.DataObject) -> None:
    spec = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(spec)[1:]))
        parent = spec
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(json_values)
        else:
            parent[path[-1]] = data.draw(json_values)
    _load(yaml.safe_dump(spec))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=200))
def test_no_partial_output_on_bad_input(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    spec = folder / "spec.yaml"
    spec.write_text(text)
    out = folder / "out"
    with pytest.raises(SpecError):
        core.render_spec(spec, out)
    assert not out.exists()


# ----------------------------------------------------------------------------- random valid specs
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,4}(-[a-z0-9]{1,3})?", fullmatch=True)
TAG_CHARS = string.ascii_letters + string.digits + " _.:/=+@-" + "éüßΩ"


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    regimes = set(draw(st.sets(st.sampled_from(list(Regime)), max_size=3)))
    workloads = []
    names = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    for name in names:
        categories = draw(st.sets(st.sampled_from(list(DataCategory)), max_size=2))
        floor = max([Sensitivity.PUBLIC, *(CATEGORY_RULES[c][0] for c in categories)], key=lambda s: s.rank)
        sensitivity = max(floor, draw(st.sampled_from(list(Sensitivity))), key=lambda s: s.rank)
        regimes |= {r for c in categories if (r := CATEGORY_RULES[c][1]) is not None}
        workloads.append({"name": name, "type": draw(st.sampled_from(list(WorkloadType))).value,
                          "description": draw(st.text(max_size=60).filter(lambda t: t.isprintable())),
                          "data": {"sensitivity": sensitivity.value, "categories": [c.value for c in sorted(categories)],
                                   "non_production": draw(st.sampled_from(["deidentified", "tokenized", "synthetic"]))},
                          "stages": draw(st.sets(st.sampled_from(["dev", "test", "prod"]), min_size=1).map(sorted))})  # fmt: skip
    if regimes & {Regime.HIPAA, Regime.PCI_DSS}:
        for w in workloads:
            if w["data"]["sensitivity"] == "public":
                w["data"]["sensitivity"] = "internal"
    regions = [
        r
        for r, info in REGIONS.items()
        if info.bedrock and (info.fedramp_moderate or Regime.FEDRAMP_MODERATE not in regimes)
    ]
    spec = {
        "apiVersion": "aisec/v1",
        "name": draw(SLUG),
        "aws": {"region": draw(st.sampled_from(regions)), "account_id": draw(st.from_regex(r"[0-9]{12}", fullmatch=True))},
        "compliance": sorted(r.value for r in regimes),
        "network": BASE["network"],
        "foundation": "create",
        "access": {"admin_principals": ["arn:aws:iam::111122223333:role/Admin"], "human_access": draw(st.sampled_from(["sso", "iam-mfa"]))},
        "alerts": {"email": draw(st.lists(st.from_regex(r"[a-z]{1,5}@[a-z]{1,5}\.com", fullmatch=True), max_size=2, unique=True))},
        "workloads": workloads,
        "tags": draw(st.dictionaries(st.text(TAG_CHARS, min_size=1, max_size=12).filter(lambda k: not k.lower().startswith("aws:")),
                                     st.text(TAG_CHARS, max_size=12), max_size=3)),
    }  # fmt: skip
    if spec["access"]["human_access"] == "iam-mfa":  # people are then named per stage, as ARNs
        stages = sorted({st_ for w in workloads if w["type"] != "batch" for st_ in w["stages"]})
        spec["access"]["people"] = {st_: [f"arn:aws:iam::111122223333:role/{st_}-people"] for st_ in stages}
    if draw(st.booleans()):
        spec["access"]["break_glass"] = ["arn:aws:iam::111122223333:role/BreakGlass"]
    if draw(st.booleans()):
        spec["foundation"] = "existing"
        spec["foundation_refs"] = {
            "access_log_bucket": "central-logs",
            "alert_topic_arn": "arn:aws:sns:us-east-1:111122223333:alerts",
        }
    elif regimes and not spec["alerts"]["email"]:  # a regulated landing's alarms reach someone
        spec["alerts"]["email"] = ["secops@example.com"]
    return spec


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs())
def test_valid_specs_render_to_hcl_terraform_accepts(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    if secret_problems(data):
        return
    files = render(parse_spec(data))
    folder = tmp_path_factory.mktemp("valid")
    for rel, text in files.items():
        if rel.endswith(".tf") and not rel.startswith("modules/"):
            hcl2.loads(text)  # parses
            (folder / rel).write_text(text)
    proc = subprocess.run([terraform_binary(), "fmt", "-check", "-diff", "-no-color"], cwd=folder,
                          env=terraform_env(folder), capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
