"""hashicorp/local offline: `local_file` and `local_sensitive_file` write their file, and the data
sources read one, inside the working copy Terraform runs in (never the user's folder); a path
outside it is written under `.aisec-outside/` there instead. `data.local_command` is not run."""

from __future__ import annotations

import base64
import hashlib
import os

from generator.offline.utility.behaviour import (
    Context,
    DataSource,
    Diags,
    Resource,
    Values,
    error,
    exactly_one_of,
)


def content_hashes(data: bytes) -> Values:
    return {
        "content_md5": hashlib.md5(data).hexdigest(),
        "content_sha1": hashlib.sha1(data).hexdigest(),
        "content_sha256": hashlib.sha256(data).hexdigest(),
        "content_base64sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "content_sha512": hashlib.sha512(data).hexdigest(),
        "content_base64sha512": base64.b64encode(hashlib.sha512(data).digest()).decode(),
    }


def _sources(sensitive: bool) -> tuple[str, ...]:
    return ("content", "content_base64", "source") if sensitive else (
        "content", "sensitive_content", "content_base64", "source")  # fmt: skip


def _validate(sensitive: bool):  # type: ignore[no-untyped-def]
    def validate(cfg: Values) -> Diags:
        diags = exactly_one_of(cfg, _sources(sensitive))
        for name in ("file_permission", "directory_permission"):
            value = cfg.get(name)
            if isinstance(value, str) and not (len(value) in (3, 4) and all(c in "01234567" for c in value)):
                diags.append(
                    error(
                        "Invalid Attribute Value",
                        f'Attribute {name} bad mode for file - string length should be 3 or 4 digits: "{value}"',
                        [name],
                    )
                )
        return diags

    return validate


def _file_apply(v: Values, ctx: Context) -> Diags:
    if v.get("content") is not None:
        data = v["content"].encode()
    elif v.get("sensitive_content") is not None:
        data = v["sensitive_content"].encode()
    elif v.get("content_base64") is not None:
        data = base64.b64decode(v["content_base64"])
    else:
        source = ctx.read_target(v["source"])
        if not source.is_file():
            return [
                error(
                    "Create local file error",
                    f"An unexpected error occurred while reading the source {v['source']}",
                )
            ]
        data = source.read_bytes()
    target, _ = ctx.write_target(v["filename"])
    target.parent.mkdir(parents=True, exist_ok=True, mode=int(v["directory_permission"], 8))
    target.write_bytes(data)
    os.chmod(target, int(v["file_permission"], 8))
    v.update(content_hashes(data))
    v["id"] = v["content_sha1"]
    return []


def _file_destroy(v: Values, ctx: Context) -> Diags:
    target, _ = ctx.write_target(v["filename"])
    target.unlink(missing_ok=True)
    return []


def _read_file(v: Values, ctx: Context) -> Diags:
    path = ctx.read_target(v["filename"])
    if not path.is_file():
        return [
            error(
                "Read local file data source error",
                "The file at given path cannot be read.\n\n+Original Error: open "
                f"{v['filename']}: no such file or directory",
            )
        ]
    data = path.read_bytes()
    v.update(content_hashes(data))
    v["content"] = data.decode("utf-8", errors="replace")
    v["content_base64"] = base64.b64encode(data).decode()
    v["id"] = v["content_sha1"]
    return []


def _command_read(v: Values, ctx: Context) -> Diags:
    return [
        error(
            "Command not run offline",
            f"The offline rehearsal does not run local commands ({v.get('command')!r}); "
            "pass the value through a variable to rehearse this configuration offline.",
            ["command"],
        )
    ]


_DEFAULTS = {"file_permission": "0777", "directory_permission": "0777"}
RESOURCES: dict[str, Resource] = {
    "local_file": Resource(
        defaults=_DEFAULTS, validate=_validate(False), apply=_file_apply, destroy=_file_destroy
    ),
    "local_sensitive_file": Resource(
        defaults={"file_permission": "0700", "directory_permission": "0700"},
        validate=_validate(True),
        apply=_file_apply,
        destroy=_file_destroy,
    ),
}
DATA_SOURCES: dict[str, DataSource] = {
    "local_file": DataSource(read=_read_file),
    "local_sensitive_file": DataSource(read=_read_file),
    "local_command": DataSource(read=_command_read),
}
