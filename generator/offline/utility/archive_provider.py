"""hashicorp/archive offline: `archive_file` (data source and the deprecated resource) writes a
real zip of its sources, with fixed timestamps so the same files give the same hashes, inside the
working copy Terraform runs in (a path outside it goes under `.aisec-outside/` there)."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import zipfile
from pathlib import Path

from generator.offline.utility.behaviour import Context, DataSource, Diags, Resource, Values, error

_STAMP = (2049, 1, 1, 0, 0, 0)  # the provider's fixed modification time for reproducible archives


def _entries(v: Values, ctx: Context) -> tuple[list[tuple[str, bytes, int]], Diags]:
    entries: list[tuple[str, bytes, int]] = []
    if v.get("source_content") is not None:
        if not v.get("source_content_filename"):
            return [], [
                error("Archive creation error", "error creating archive: source_content_filename is required")
            ]
        entries.append((v["source_content_filename"], v["source_content"].encode(), 0o644))
    for s in v.get("source") or []:
        entries.append((s["filename"], s["content"].encode(), 0o644))
    if v.get("source_file") is not None:
        path = ctx.read_target(v["source_file"])
        if not path.is_file():
            return [], [
                error(
                    "Archive creation error",
                    f"error archiving file: could not archive missing file: {v['source_file']}",
                )
            ]
        entries.append((path.name, path.read_bytes(), path.stat().st_mode & 0o777))
    if v.get("source_dir") is not None:
        root = ctx.read_target(v["source_dir"])
        if not root.is_dir():
            return [], [
                error(
                    "Archive creation error",
                    f"error archiving directory: could not archive missing directory: {v['source_dir']}",
                )
            ]
        excludes = list(v.get("excludes") or [])
        for folder, dirs, files in os.walk(root, followlinks=not v.get("exclude_symlink_directories")):
            dirs.sort()
            for name in sorted(files):
                path = Path(folder) / name
                rel = path.relative_to(root).as_posix()
                if any(fnmatch.fnmatch(rel, e) or rel == e for e in excludes):
                    continue
                entries.append((rel, path.read_bytes(), path.stat().st_mode & 0o777))
    if not entries:
        return [], [
            error(
                "Archive creation error",
                "one of 'source_dir', 'source_file', 'source_content_filename' must be specified",
            )
        ]
    return entries, []


def build_zip(entries: list[tuple[str, bytes, int]], mode: str | None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, perm in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((int(mode, 8) if mode else perm) | 0o100000) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _archive(v: Values, ctx: Context) -> Diags:
    if v.get("type") != "zip":
        return [error("Archive creation error", f"archive type not supported: {v.get('type')}", ["type"])]
    entries, diags = _entries(v, ctx)
    if diags:
        return diags
    data = build_zip(entries, v.get("output_file_mode"))
    target, _ = ctx.write_target(v["output_path"])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    v.update(
        output_size=len(data),
        output_sha=hashlib.sha1(data).hexdigest(),
        output_sha256=hashlib.sha256(data).hexdigest(),
        output_base64sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        output_sha512=hashlib.sha512(data).hexdigest(),
        output_base64sha512=base64.b64encode(hashlib.sha512(data).digest()).decode(),
        output_md5=hashlib.md5(data).hexdigest(),
    )
    v["id"] = v["output_sha"]
    return []


RESOURCES: dict[str, Resource] = {"archive_file": Resource(apply=_archive)}
DATA_SOURCES: dict[str, DataSource] = {"archive_file": DataSource(read=_archive)}
