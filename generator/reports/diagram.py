"""An architecture diagram of a root module: the VPC and its endpoints, buckets and their keys,
roles per stage, Macie jobs, the trail and alarms. One graph model, two outputs: Mermaid (in the
generated README) and Graphviz DOT (rendered to SVG or PNG by `aisec diagram`)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.decide.policy import Controls
from generator.errors import UserInputError, WorkError


@dataclass
class Cluster:
    id: str
    label: str
    nodes: list[tuple[str, str]] = field(default_factory=list)  # (id, label)
    children: list[Cluster] = field(default_factory=list)


@dataclass
class Graph:
    clusters: list[Cluster] = field(default_factory=list)
    nodes: list[tuple[str, str]] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)


def build(c: Controls) -> Graph:
    g = Graph()
    spec = c.spec
    vpc = Cluster("vpc", f"VPC {spec.network.vpc_id} ({spec.network.vpc_cidr})")
    if c.foundation is not None:
        vpc.nodes += [("endpoints", "Interface endpoints, private DNS, HTTPS from the VPC only:\\n" + ", ".join(c.interface_endpoints)),
                      ("s3gw", "S3 gateway endpoint")]  # fmt: skip
        audit = Cluster("audit", "Audit and alerting")
        audit.nodes += [("trail", f"CloudTrail {c.foundation.trail_name}\\nmulti-region, validated, KMS"),
                        ("alarms", f"{len(c.alarms)} CloudWatch alarms"), ("topic", "SNS alert topic (KMS)"),
                        ("macie", "Amazon Macie\\nfindings every 15 min")]  # fmt: skip
        g.clusters.append(audit)
        g.edges += [
            ("trail", "alarms", "metric filters"),
            ("alarms", "topic", "notify"),
            ("macie", "topic", "findings"),
        ]
        if spec.alerts.email:
            g.nodes.append(("email", "e-mail: " + ", ".join(spec.alerts.email)))
            g.edges.append(("topic", "email", ""))
    else:
        vpc.nodes.append(("endpoints", "Endpoints, trail and Macie owned elsewhere"))
    g.clusters.insert(0, vpc)
    for w in c.workloads:
        wl = Cluster(
            f"wl_{w.ident}",
            f"{w.workload.name} ({w.workload.type.value}, {w.workload.data.sensitivity.value} data)",
        )
        for s in w.stages:
            st = Cluster(f"st_{s.ident}", s.stage.value)
            roles, buckets, keys = f"{s.ident}_roles", f"{s.ident}_buckets", f"{s.ident}_keys"
            people = [r.persona for r in s.roles if r.human]
            services = [r.persona for r in s.roles if not r.human]
            who = ", ".join([*(f"{p} (people)" for p in people), *services])
            st.nodes += [(roles, f"IAM roles: {who}\\nunder a permission boundary"),
                         (buckets, "S3: " + ", ".join(b.domain for b in s.buckets)),
                         (keys, "KMS keys: " + ", ".join(k.domain for k in s.keys))]  # fmt: skip
            g.edges += [
                (roles, buckets, "this stage only"),
                (keys, buckets, "encrypt"),
                (roles, "endpoints", "private"),
            ]
            if c.foundation is not None:
                g.edges.append(("trail", buckets, "data events"))
            if s.macie_job is not None:
                g.edges.append(("macie", buckets, f"{s.macie_job.schedule.lower()} scan"))
            wl.children.append(st)
        g.clusters.append(wl)
    return g


def _prefixed(cl: Cluster, prefix: str) -> Cluster:
    return Cluster(
        f"{prefix}_{cl.id}",
        cl.label,
        [(f"{prefix}_{n}", label) for n, label in cl.nodes],
        [_prefixed(child, prefix) for child in cl.children],
    )


def combine(parts: Sequence[tuple[str, str, Graph]]) -> Graph:
    """One graph of several accounts' graphs, each drawn in a box of its own: (an identifier to
    prefix its nodes with, the box's label, its graph). Nothing connects the accounts but what
    their own graphs show (their trails deliver to the log archive, drawn by the caller)."""
    g = Graph()
    for prefix, label, part in parts:
        box = Cluster(prefix, label, [(f"{prefix}_{n}", text) for n, text in part.nodes])
        box.children = [_prefixed(cl, prefix) for cl in part.clusters]
        g.clusters.append(box)
        g.edges += [(f"{prefix}_{a}", f"{prefix}_{b}", text) for a, b, text in part.edges]
    return g


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\\n", "<br/>")


def mermaid(g: Graph) -> str:
    lines = ["flowchart LR"]

    def cluster(cl: Cluster, indent: str) -> None:
        lines.append(f'{indent}subgraph {cl.id}["{_mermaid_label(cl.label)}"]')
        for node, label in cl.nodes:
            lines.append(f'{indent}  {node}["{_mermaid_label(label)}"]')
        for child in cl.children:
            cluster(child, indent + "  ")
        lines.append(f"{indent}end")

    for cl in g.clusters:
        cluster(cl, "  ")
    for node, label in g.nodes:
        lines.append(f'  {node}["{_mermaid_label(label)}"]')
    for a, b, label in g.edges:
        lines.append(f"  {a} -->|{label}| {b}" if label else f"  {a} --> {b}")
    return "\n".join(lines) + "\n"


def _dot_label(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'


def dot(g: Graph) -> str:
    lines = ["digraph aisec {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=9, color="#667788"];']  # fmt: skip

    def cluster(cl: Cluster, indent: str) -> None:
        lines.append(f"{indent}subgraph cluster_{cl.id} {{")
        lines.append(f'{indent}  label={_dot_label(cl.label)}; style="rounded"; color="#99aabb";')
        for node, label in cl.nodes:
            lines.append(f"{indent}  {node} [label={_dot_label(label)}];")
        for child in cl.children:
            cluster(child, indent + "  ")
        lines.append(f"{indent}}}")

    for cl in g.clusters:
        cluster(cl, "  ")
    for node, label in g.nodes:
        lines.append(f"  {node} [label={_dot_label(label)}];")
    for a, b, label in g.edges:
        lines.append(f"  {a} -> {b} [label={_dot_label(label)}];" if label else f"  {a} -> {b};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_image(g: Graph, target: Path) -> None:
    fmt = target.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png", "dot"):
        raise UserInputError(f"{target}: the diagram is written as .svg, .png or .dot")
    source = dot(g)
    if fmt == "dot":
        target.write_text(source, encoding="utf-8")
        return
    binary = shutil.which("dot")
    if binary is None:
        raise WorkError(
            "Graphviz's `dot` is not installed (Debian/Ubuntu: apt-get install graphviz); write a .dot file instead"
        )
    proc = subprocess.run(
        [binary, f"-T{fmt}", "-o", str(target)], input=source, text=True, capture_output=True, timeout=120
    )
    if proc.returncode != 0:
        raise WorkError(f"dot failed: {proc.stderr.strip()[:500]}")
