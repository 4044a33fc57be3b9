"""The controls table applied to specs: each decision a reviewer would check."""

from __future__ import annotations

from generator.decide.policy import CONTROLS, FAMILIES, decide
from generator.spec import Regime, Stage, load_spec
from tests.conftest import BLUEPRINTS


def controls_of(name: str):  # type: ignore[no-untyped-def]
    return decide(load_spec(BLUEPRINTS[name]))


def test_every_control_serves_every_regime_through_its_family() -> None:
    for control in CONTROLS:
        assert control.family in FAMILIES
        reqs = control.requirements(frozenset(Regime))
        assert set(reqs) == set(Regime), control.id
        assert all(reqs.values())
        assert control.bar and all(1 <= b <= 37 for b in control.bar)  # SECURITY-BAR.md items


def test_retention_and_rotation_follow_the_strictest_regime() -> None:
    assert controls_of("healthcare-training").retention_days == 2192
    assert controls_of("fedramp-moderate").retention_days == 1096
    assert controls_of("fedramp-moderate").rotation_days == 180
    assert controls_of("fraud-inference").rotation_days == 180
    assert controls_of("batch-scoring").retention_days == 365
    assert controls_of("batch-scoring").rotation_days == 365


def test_endpoints_follow_services_and_are_shared() -> None:
    c = controls_of("multi-workload")
    assert c.interface_endpoints == (
        "bedrock", "bedrock-agent", "bedrock-agent-runtime", "bedrock-runtime", "ecr.api", "ecr.dkr",
        "kms", "logs", "sagemaker.api", "sagemaker.notebook", "sagemaker.runtime", "sts",
    )  # fmt: skip
    assert len(set(c.interface_endpoints)) == len(c.interface_endpoints)
    assert controls_of("gdpr-rag-assistant").interface_endpoints == (
        "bedrock", "bedrock-agent", "bedrock-agent-runtime", "bedrock-runtime", "kms", "logs", "sts",
    )  # fmt: skip


def test_keys_per_stage_and_domain_with_prod_deletion_window() -> None:
    c = controls_of("healthcare-training")
    for stage in c.stages:
        assert [k.domain for k in stage.keys] == ["datasets", "artifacts", "logs"]
        window = {k.deletion_window_days for k in stage.keys}
        assert window == ({30} if stage.stage is Stage.PROD else {14})
    aliases = [k.alias for s in c.stages for k in s.keys]
    assert len(set(aliases)) == len(aliases)
    assert c.foundation is not None and c.foundation.audit_key.deletion_window_days == 30


def test_people_do_not_read_production_datasets() -> None:
    c = controls_of("healthcare-training")
    for stage in c.stages:
        ds = next(r for r in stage.roles if r.persona == "ds")
        if stage.stage is Stage.PROD:
            assert ds.reads == ("artifacts",) and ds.writes == () and ds.pass_roles == ()
        else:
            assert "datasets" in ds.reads and ds.pass_roles == ("pipeline",)


def test_macie_jobs_for_confidential_or_restricted_data_and_rag_corpora() -> None:
    assert all(
        s.macie_job and s.macie_job.schedule == "DAILY" for s in controls_of("healthcare-training").stages
    )
    assert all(s.macie_job and s.macie_job.schedule == "WEEKLY" for s in controls_of("soc2-notebooks").stages)
    assert not any(s.macie_job for s in controls_of("batch-scoring").stages)
    # multi-workload's helpdesk is an internal rag workload: its corpus (datasets) only, weekly
    jobs = {s.prefix: s.macie_job for s in controls_of("multi-workload").stages}
    assert {p: (j.schedule, j.domains) for p, j in jobs.items() if j and "helpdesk" in p} == {
        "ml-platform-helpdesk-dev": ("WEEKLY", ("datasets",)),
        "ml-platform-helpdesk-prod": ("WEEKLY", ("datasets",)),
    }
    assert not any(j for p, j in jobs.items() if "-lab-" in p)  # internal notebook: none


def test_existing_foundation_creates_no_singletons() -> None:
    c = controls_of("existing-foundation")
    assert c.foundation is None
    assert all(ctl.scope == "workload" for ctl in c.controls)
    assert c.access_log_bucket == "central-s3-access-logs-888899990000"


def test_decide_is_pure() -> None:
    spec = load_spec(BLUEPRINTS["multi-workload"])
    assert decide(spec) == decide(spec)


def test_sagemaker_launchers_per_type_and_stage() -> None:
    """Bar 32: people launch SageMaker work in dev and test only; prod work comes from the pipeline
    (training, batch) or the deployers (inference); a landing without its own foundation (no compute
    security group) and RAG workloads launch nothing; the ML controls apply only with launchers."""
    launchers = {
        (w.workload.type.value, s.stage): dict(s.sagemaker.launchers) if s.sagemaker else None
        for name in (
            "healthcare-training",
            "fraud-inference",
            "batch-scoring",
            "soc2-notebooks",
            "multi-workload",
        )
        for w in controls_of(name).workloads
        for s in w.stages
    }
    assert launchers[("training", Stage.DEV)] == {"ds": ("training", "processing")}
    assert launchers[("training", Stage.PROD)] == {"pipeline": ("training", "processing")}
    assert launchers[("inference", Stage.PROD)] == {}
    assert launchers[("notebook", Stage.DEV)] == {"ds": ("notebook",), "notebook": ("training", "processing")}
    assert all(v is None for (t, _), v in launchers.items() if t == "rag")
    assert not any(v and "ds" in v for (_, stage), v in launchers.items() if stage is Stage.PROD)
    existing = controls_of("existing-foundation")
    assert all(s.sagemaker is None for s in existing.stages)
    assert not {"ML-1", "ML-2", "ML-3"} & {c.id for c in existing.controls}
    assert {"ML-1", "ML-2", "ML-3"} <= {c.id for c in controls_of("healthcare-training").controls}
