"""The stand-in's schema answer scoped to the types a Terraform command can meet.

Terraform asks a provider for its whole schema at the first start of every command and converts all
of it: for the AWS provider's 2,000 types that is most of the CPU of a `validate` of a small
configuration (0.7 of 1.0 s, measured on one bucket). A command only ever needs the schemas of the
types its configuration, its state, its plan file and its command line name, and each of those is
written out in full where the stand-in can read it: `resource "aws_s3_bucket"`, `data
"aws_iam_policy_document"`, `aws_kms_key.this.arn`, `"type": "aws_s3_bucket"` in a state. So the first
start answers with the schemas of the type names found there, among the served ones, and Terraform
never sees a difference: the later starts still check and plan every type from the full schema.

What is read, from the folder Terraform runs in (the provider's working folder: `-chdir` moves it):
every file of the folder's tree but the providers Terraform installed (configuration, local state and
its workspaces, `.terraform/modules`, plan files, which are zip archives, read member by member), the
folders of the modules `.terraform/modules/modules.json` records outside it, a local backend's state
path or workspace folder when configured outside it, the command line of the Terraform process that
started this one (`import ADDRESS ID`, `-target=`, `-replace=`, files it names such as a plan file
elsewhere), and `TF_CLI_ARGS*`.

Whenever that picture may be incomplete, the whole schema is served, as before: another backend than
a local one, a command other than the ones listed in SCOPED_COMMANDS (`providers schema -json`
prints every type, `test` reads run blocks), a tree over READ_LIMIT, the parent's command line
unreadable, any error while reading, or `AISEC_OFFLINE_SCHEMA=full` in the environment. A type the
scan missed would make Terraform say loudly that the provider does not support it; never a silent
difference.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from generator.cache import atomic_write

# Terraform commands whose schema needs are all written in the places read below.
SCOPED_COMMANDS = frozenset(
    {"validate", "plan", "apply", "destroy", "refresh", "show", "console", "import", "graph", "output"}
)
# Past this many bytes or files read, or directory entries walked, the scan is not worth it: the
# whole schema.
READ_LIMIT = 256 * 1024 * 1024
FILE_LIMIT = 20_000
ENTRY_LIMIT = 200_000
_TYPE_NAME = re.compile(rb"\baws_[a-z0-9_]+")
# What Terraform reads in a folder's tree that can name a type: configuration files (overrides
# included) and local states with their backups (every workspace's). Other files (a plan file, a
# state kept elsewhere) are read when the command line or the backend names them.
_CONFIG_SUFFIXES = (".tf", ".tf.json")
_READ_SUFFIXES = (*_CONFIG_SUFFIXES, ".tfstate", ".tfstate.backup")
# Terraform writes this beside the state when it locks it, before it starts the providers.
_LOCK_INFO = ".terraform.tfstate.lock.info"


class Unscoped(Exception):
    """The types a command needs cannot be known for sure: serve the whole schema."""


def types_in_use(
    cwd: Path, parent_argv: list[str] | None, environ: Mapping[str, str], parent_started_ns: int | None = None
) -> frozenset[str] | None:
    """Every `aws_*` name the command run in ``cwd`` by a Terraform started as ``parent_argv`` (at
    ``parent_started_ns``, wall clock) can need a schema for, or None when that cannot be known
    (then the whole schema is served)."""
    if environ.get("AISEC_OFFLINE_SCHEMA", "").lower() == "full" or parent_argv is None:
        return None
    if parent_started_ns is None:
        return None
    try:
        return frozenset(_names(cwd, parent_argv, environ, parent_started_ns))
    except (Unscoped, OSError, ValueError, UnicodeDecodeError, _BadArchive):
        return None


def _names(cwd: Path, argv: list[str], environ: Mapping[str, str], started_ns: int) -> Iterator[str]:
    words = list(argv[1:])
    for key, value in environ.items():
        if key == "TF_CLI_ARGS" or key.startswith("TF_CLI_ARGS_"):
            words += shlex.split(value)  # as Terraform splits them (ValueError: unbalanced quotes)
    if _command(argv[1:]) not in SCOPED_COMMANDS:
        raise Unscoped
    data_dir = cwd / environ.get("TF_DATA_DIR", ".terraform")
    budget = _Budget(started_ns)
    yield from _found(b" ".join(os.fsencode(w) for w in words))
    providers = data_dir / "providers"
    for path in (cwd, *_outside(cwd, data_dir)):  # folders, or a local backend's state file
        yield from _tree(path, providers, budget) if path.is_dir() else _state_file(path, budget)
    for path in _named_files(cwd, words):
        yield from _tree(path, providers, budget) if path.is_dir() else _named(path, budget)


def _state_file(path: Path, budget: _Budget) -> Iterator[str]:
    if path.is_file():
        yield from _file(path, budget, config=False)
    backup = path.with_name(path.name + ".backup")
    if backup.is_file():
        yield from _file(backup, budget, config=False)


def _command(args: list[str]) -> str:
    """The subcommand of terraform's arguments (global options such as `-chdir=` come first)."""
    return next((a for a in args if not a.startswith("-")), "")


class _Budget:
    """What the scan may read, and the moment after which a change means the folder is not what
    Terraform read: a file or folder changed since Terraform started (an editor's save, a checkout
    in another window) may have removed a type Terraform's configuration still has."""

    def __init__(self, started_ns: int) -> None:
        self.bytes = self.files = self.entries = 0
        self.started_ns = started_ns

    def spend(self, path: Path, size: int, terraforms: bool = False) -> None:
        """Count a file read; ``terraforms``: a state, which Terraform itself may create or write
        while it runs (it creates a missing one to lock it), not a change to look for."""
        self.bytes += size
        self.files += 1
        if self.bytes > READ_LIMIT or self.files > FILE_LIMIT:
            raise Unscoped
        if not terraforms:
            self.unchanged(path)

    def walk(self, entries: int) -> None:
        self.entries += entries
        if self.entries > ENTRY_LIMIT:
            raise Unscoped

    def unchanged(self, path: Path, folder: bool = False) -> None:
        changed = path.stat().st_mtime_ns
        if changed <= self.started_ns:
            return
        # Terraform locks a local state by creating it when missing, then its lock file, in the
        # state's folder, after it read the configuration: that folder's change is Terraform's own.
        if folder:
            lock = path / _LOCK_INFO
            if lock.is_file() and lock.stat().st_mtime_ns >= changed:
                return
        raise Unscoped


def _found(data: bytes) -> Iterator[str]:
    return (m.decode() for m in _TYPE_NAME.findall(data))


def _tree(top: Path, providers: Path, budget: _Budget) -> Iterator[str]:
    """The type names in the configuration and state files of ``top``'s tree (symbolic links to
    folders followed, each folder once), without Terraform's installed providers."""
    seen: set[str] = set()
    for folder, dirs, files in os.walk(top, followlinks=True):
        here = Path(folder)
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        budget.walk(len(dirs) + len(files))
        budget.unchanged(here, folder=True)
        dirs[:] = [d for d in dirs if here / d != providers]
        for name in files:
            if name.endswith(_READ_SUFFIXES):
                path = here / name
                if path.is_file():  # not a dangling link
                    yield from _file(path, budget, config=name.endswith(_CONFIG_SUFFIXES))


def _file(path: Path, budget: _Budget, config: bool) -> Iterator[str]:
    budget.spend(path, path.stat().st_size, terraforms=not config)
    data = path.read_bytes()
    if config and (b"\\u" in data or b"\\U" in data):
        raise Unscoped  # an escaped label (`"aws\\u005fs3_bucket"`) names a type the pattern cannot see
    yield from _found(data)


def _named(path: Path, budget: _Budget) -> Iterator[str]:
    """The type names in a file the command line names: a saved plan (a zip archive, read member by
    member: its configuration, state and changes), a state, a configuration."""
    budget.spend(path, path.stat().st_size)
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        yield from _archive(data, budget)
    else:
        yield from _found(data)


class _BadArchive(Exception):
    """A file that starts as a zip archive and is not one."""


def _archive(data: bytes, budget: _Budget) -> Iterator[str]:
    import io
    import zipfile  # imported here: most starts of the stand-in never read a plan file

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                budget.bytes += member.file_size
                if budget.bytes > READ_LIMIT:
                    raise Unscoped
                yield from _found(archive.read(member))
    except zipfile.BadZipFile as e:
        raise _BadArchive(str(e)) from e


def _outside(cwd: Path, data_dir: Path) -> Iterator[Path]:
    """Folders and files outside ``cwd`` that the command reads: the modules `terraform init`
    recorded there, and a local backend's state or workspaces kept elsewhere."""
    modules = data_dir / "modules" / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")).get("Modules", []):
            folder = (cwd / module.get("Dir", ".")).resolve()
            if not folder.is_relative_to(cwd.resolve()):
                yield folder
    backend_file = data_dir / "terraform.tfstate"
    if backend_file.is_file():
        backend = json.loads(backend_file.read_text(encoding="utf-8")).get("backend") or {}
        if backend.get("type") not in (None, "local"):
            raise Unscoped  # the state is elsewhere: its types cannot be read here
        config = backend.get("config") or {}
        for key in ("path", "workspace_dir"):
            if config.get(key):
                yield cwd / config[key]


def _named_files(cwd: Path, words: Iterable[str]) -> Iterator[Path]:
    """Files and folders the command line names (`apply ../plan.out`, `-state=...`, `-var-file=...`)."""
    for word in words:
        if word.startswith("-chdir="):
            continue  # the folder Terraform runs in: read already
        value = word.split("=", 1)[1] if word.startswith("-") and "=" in word else word
        if value and not value.startswith("-") and len(value) < 4096:
            candidate = cwd / value
            if candidate.exists():
                yield candidate


def parent_argv() -> list[str] | None:
    """The command line of the process that started this one (Terraform, through the mirror's
    launcher, which execs this process), or None where it cannot be read."""
    try:
        raw = Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return None
    argv = [os.fsdecode(a) for a in raw.split(b"\0") if a]  # file names need not be UTF-8
    return argv or None


def parent_started_ns() -> int | None:
    """When the process that started this one started, on the wall clock (nanoseconds; to the
    kernel's clock tick, rounded up a tick), or None where it cannot be read."""
    try:
        stat = Path(f"/proc/{os.getppid()}/stat").read_bytes()
        ticks = int(stat.rsplit(b")", 1)[1].split()[19])  # field 22, starttime: ticks after boot
        per_second = os.sysconf("SC_CLK_TCK")
        since_boot_ns = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    # Rounded up a tick: a file written just before Terraform started is not taken for a change
    # made while it ran (Terraform reads its configuration tens of milliseconds after it starts).
    started_since_boot_ns = (ticks + 1) * 1_000_000_000 // per_second
    return time.time_ns() - (since_boot_ns - started_since_boot_ns)


# ---- the answer, made of each type's serialized schema entry

# Bumped when the entries file's layout changes (its name carries it with the served schema's digest).
ENTRIES_FORMAT = "e1"


class Entries:
    """The full schema response cut into serialized pieces: the head (the provider's own schema and
    the server's capabilities) and one map entry per resource and per data source. Protobuf reads
    concatenated messages as one, and a map is its entries, so the head followed by the chosen
    entries is the response with only those types; nothing is parsed or serialized again."""

    def __init__(self, index: dict[str, dict[str, list[int]]], body: bytes) -> None:
        self._index, self._body = index, body

    @classmethod
    def of(cls, folder: Path, name: str, full: bytes) -> Entries:
        """The pieces of ``full`` (the cached serialized response), from ``folder``/``name`` or cut now."""
        path = folder / f"{name}-{ENTRIES_FORMAT}.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = cls.cut(full)
            atomic_write(path, raw)
        header, _, body = raw.partition(b"\n")
        return cls(json.loads(header), body)

    @staticmethod
    def cut(full: bytes) -> bytes:
        from tf.gen import tfplugin_pb2 as pb

        response = pb.GetProviderSchema.Response.FromString(full)
        head = pb.GetProviderSchema.Response(
            provider=response.provider, server_capabilities=response.server_capabilities
        )
        parts = [head.SerializeToString()]
        index: dict[str, dict[str, list[int]]] = {
            "head": {"": [0, len(parts[0])]},
            "resource": {},
            "data": {},
        }
        offset = len(parts[0])
        for kind, field in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
            schemas = getattr(response, field)
            for type_name in sorted(schemas):
                one = pb.GetProviderSchema.Response()
                getattr(one, field)[type_name].CopyFrom(schemas[type_name])
                piece = one.SerializeToString()
                index[kind][type_name] = [offset, len(piece)]
                parts.append(piece)
                offset += len(piece)
        return json.dumps(index, separators=(",", ":")).encode() + b"\n" + b"".join(parts)

    def response(self, names: frozenset[str]) -> bytes:
        """The serialized response with the schemas of the served types among ``names``."""
        pieces = [self._piece("head", "")]
        for kind in ("resource", "data"):
            pieces += [self._piece(kind, n) for n in sorted(names) if n in self._index[kind]]
        return b"".join(pieces)

    def _piece(self, kind: str, name: str) -> bytes:
        start, length = self._index[kind][name]
        return self._body[start : start + length]
