"""Derive a block schema from a provider's Go schema package, pinned to a commit.

``python -m generator.offline.goderive DIR FUNCTION... --repository R --commit SHA --out FILE`` reads
every ``*.go`` file of DIR except tests (a checkout of the provider at SHA, e.g.
``internal/service/quicksight/schema``), translates each FUNCTION with :mod:`generator.offline.gosdkv2`
and writes the result as deterministic gzip JSON (the encoding of the served schemas) together with
where it came from: repository, commit, folder, functions and the SHA-256 of each file read. Only
the derived shape is kept in this repository, not the Go text; re-running on the same commit gives
the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from generator.offline.extract import encode
from generator.offline.gosdkv2 import GoSchemaError, Translator


def read_sources(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.glob("*.go") if not p.name.endswith("_test.go"))
    if not files:
        raise GoSchemaError(f"{folder}: no Go files")
    return {p.name: p.read_text(encoding="utf-8") for p in files}


def derive(
    sources: dict[str, str], functions: list[str], *, repository: str, commit: str, folder: str
) -> dict[str, Any]:
    translator = Translator(sources)
    return {
        "shapes": {name: translator.function(name) for name in functions},
        "source": {
            "repository": repository,
            "commit": commit,
            "folder": folder,
            "functions": functions,
            "files": {
                name: hashlib.sha256(text.encode("utf-8")).hexdigest()
                for name, text in sorted(sources.items())
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="the Go schema package (a checkout at --commit)")
    parser.add_argument("functions", nargs="+", help="the schema functions to translate")
    parser.add_argument("--repository", required=True, help="e.g. hashicorp/terraform-provider-aws")
    parser.add_argument("--commit", required=True, help="the commit the folder was checked out at")
    parser.add_argument("--path", default="", help="the folder's path inside the repository")
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="another Go file to read (e.g. the names package's constants)")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        sources = read_sources(args.folder)
        sources.update({f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8") for p in args.also})
        data = derive(sources, args.functions, repository=args.repository,
                      commit=args.commit, folder=args.path or args.folder.name)  # fmt: skip
    except GoSchemaError as exc:
        print(f"{args.folder}: {exc}", file=sys.stderr)
        return 2
    args.out.write_bytes(encode(data))
    print(f"{', '.join(args.functions)} -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
