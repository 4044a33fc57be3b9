"""Start-up (issue 20 item 1): what a command loads and builds before it runs, kept to what it uses,
with the same behaviour: the command tree built for the command a line names, the compliance maps
read per regime on first use, pydantic's plugin search skipped for the spec's models, the YAML we
ship parsed once per content."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from generator import catalog, cli
from generator.decide import policy, prowler
from generator.render import templates as template_module
from generator.spec import Regime, types
from tests.conftest import REPO, aisec_env


def _python(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by a new Python in the repository, as the command line's environment has it."""
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=aisec_env(), capture_output=True, text=True, check=True
    )


def _names(command: Any) -> set[str]:
    return set(getattr(command, "commands", {}))


def test_only_the_named_command_is_built() -> None:
    full = cli.cli_command()
    assert {"render", "cost", "catalog", "ci"} <= _names(full)
    assert _names(cli.cli_command(["render", "spec.yaml", "-o", "out"])) == {"render"}
    assert _names(cli.cli_command(["--json", "cost", "spec.yaml"])) == {"cost"}
    catalog = cli.cli_command(["catalog", "show", "kms", "--json"])
    assert _names(catalog) == {"catalog"} and _names(catalog.commands["catalog"]) == {"show"}
    # a group alone, an unknown name, no name, or an argument after "--": the whole tree, as before
    assert _names(cli.cli_command(["catalog"]).commands["catalog"]) == _names(full.commands["catalog"])
    for args in (["rendr", "x"], [], ["--help"], ["--", "render"]):
        assert _names(cli.cli_command(args)) == _names(full), args
    # the root keeps its own options (--version, completion)
    assert [p.name for p in cli.cli_command(["render"]).params] == [p.name for p in full.params]


def test_each_name_loads_the_group_that_registers_it() -> None:
    """The table that tells which command group a name needs names every command and group of the
    whole tree, each with the module that registers it (a new command must be added to it)."""
    from generator.cli import common

    cli.cli_command()  # imports every group
    registers = {cli._name_of(c): c.callback.__module__ for c in common.app.registered_commands}
    for group in common.app.registered_groups:
        assert group.typer_instance is not None
        modules = {c.callback.__module__ for c in group.typer_instance.registered_commands}
        assert len(modules) == 1, (group.name, modules)
        registers[str(group.name)] = modules.pop()
    assert {name: f"generator.cli.{g}" for name, g in cli._GROUP_OF.items()} == registers


def test_help_lists_the_commands_in_one_order_whichever_group_loaded_first() -> None:
    def names(first: list[list[str]]) -> str:
        code = f"from generator import cli\nfor a in {first!r}: cli.cli_command(a)\nprint(list(cli.cli_command().commands))"
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                              env=aisec_env(), timeout=120, check=True)  # fmt: skip
        return proc.stdout

    fresh = names([])
    assert (
        fresh.index("'completion'") < fresh.index("'render'") < fresh.index("'cost'") < fresh.index("'plan'")
    )
    assert names([["plan", "x"], ["cost", "x"]]) == fresh


def test_shell_completion_walks_the_whole_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_AISEC_COMPLETE", "complete_bash")
    assert _names(cli.cli_command(["render"])) == _names(cli.cli_command())


@pytest.mark.parametrize(
    "args",
    [
        ["render", "--help"],
        ["catalog", "show", "--help"],
        ["render"],  # missing argument: the usage error
        ["render", "x.yaml", "--bogus"],
        ["rendr"],  # no such command: the suggestion comes from the whole tree
        ["catalog", "shw"],
    ],
)
def test_help_and_usage_errors_are_those_of_the_whole_tree(args: list[str]) -> None:
    def run(command: Any) -> tuple[int, str, str]:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from generator import cli; "
             f"sys.exit(cli._run_command({command}, sys.argv[1:]))", *args],
            cwd=REPO, capture_output=True, text=True, env=aisec_env(), timeout=120,
        )  # fmt: skip
        return proc.returncode, proc.stdout, proc.stderr

    pruned = run("cli.cli_command(sys.argv[1:])")
    assert pruned == run("cli.cli_command()")
    assert pruned[0] != 0 or "Usage: aisec" in pruned[1]


def test_requirement_maps_are_read_per_regime() -> None:
    script = (
        "from generator.decide import policy; from generator.decide import prowler; from generator.spec import Regime\n"
        "assert prowler.catalogue.cache_info().currsize == 0\n"
        "assert policy.REQUIREMENTS[Regime.HIPAA][1] and policy.FAMILIES['detection'][Regime.HIPAA]\n"
        "assert prowler.catalogue.cache_info().currsize == 0, 'hipaa needs no Prowler catalogue'\n"
        "policy.REQUIREMENTS[Regime.AI_SECURITY]\n"
        "assert prowler.catalogue.cache_info().currsize == 1\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_requirement_maps_read_like_dicts() -> None:
    assert list(policy.REQUIREMENTS) == list(Regime) and len(policy.REQUIREMENTS) == len(Regime)
    assert policy.REQUIREMENTS["hipaa"] is policy.REQUIREMENTS[Regime.HIPAA]  # read once, kept
    assert list(policy.FAMILIES) == list(policy.FAMILY_NAMES)
    for missing in ("nope", None):
        with pytest.raises(KeyError):
            policy.REQUIREMENTS[missing]  # type: ignore[index]
        with pytest.raises(KeyError):
            policy.FAMILIES[missing]  # type: ignore[index]
    # the families' requirement ids are those the requirements name
    for family in policy.FAMILY_NAMES:
        for regime in Regime:
            expected = tuple(r.id for r in policy.REQUIREMENTS[regime][1] if family in r.families)
            assert policy.FAMILIES[family][regime] == expected
    assert prowler.catalogue(Regime.AI_SECURITY)  # the Prowler-based map was read from its catalogue


@pytest.mark.parametrize("setting", [None, "some-plugin"])
def test_spec_models_skip_the_plugin_search_and_leave_the_setting(setting: str | None) -> None:
    env = aisec_env()
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    script = (
        "import os; import generator.spec as s; from pydantic.plugin import _loader\n"
        "s.load_spec('blueprints/healthcare-training.yaml')\n"
        "print(_loader._plugins is None, os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", str(setting)]


def test_shipped_yaml_is_parsed_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    shipped = sorted(REPO.glob("modules/*/*.yaml")) + sorted(REPO.glob("generator/data/**/*.yaml"))
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        parsed = yaml.load(text, Loader=catalog._TRUSTED_LOADER)
        # the first read parses and keeps, the second reads what was kept: both as the parser gives
        assert repr(catalog.load_yaml(text)) == repr(parsed) == repr(catalog.load_yaml(text)), path
    kept = list(tmp_path.glob("aisec/yaml-*/*"))
    assert len(kept) == len({p.read_text(encoding="utf-8") for p in shipped})
    # what is kept is read back, not parsed again
    parse = catalog.yaml.load
    monkeypatch.setattr(catalog.yaml, "load", lambda *a, **k: pytest.fail("parsed again"))
    assert repr(catalog.load_yaml(shipped[0].read_text(encoding="utf-8"))) == repr(parse(
        shipped[0].read_text(encoding="utf-8"), Loader=catalog._TRUSTED_LOADER))  # fmt: skip


def test_an_edited_yaml_never_meets_its_old_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    texts = [
        "a: 1\nb: [x, y]\n",
        "a: 2\nb: [x, y]\n",
        "a: 2\nb: [y, x]\n",
        "a: 1\nb: [x, y]\n",
        "b: [x, y]\na: 1\n",
    ]
    for text in texts * 2:  # each edit, and back: always the content of the text given
        assert repr(catalog.load_yaml(text)) == repr(yaml.safe_load(text))
    assert len(list((tmp_path / "cache").glob("aisec/yaml-*/*"))) == 4
    # a kept result that cannot be read (cut short, or not marshal data) is parsed again and replaced
    for entry in (tmp_path / "cache").glob("aisec/yaml-*/*"):
        entry.write_bytes(entry.read_bytes()[:3])
    assert [catalog.load_yaml(t) for t in texts] == [yaml.safe_load(t) for t in texts]
    # values marshal cannot hold (dates) are parsed every time; no cache folder at all: parsed too
    assert catalog.load_yaml("as_of: 2025-11-01\n") == {"as_of": datetime.date(2025, 11, 1)}
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert catalog.load_yaml("a: 3\n") == {"a": 3}


def test_compiled_templates_are_kept_per_jinja_version_and_compiling_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jinja checks a template's source before using its compiled code, not the options it was
    # compiled with: a kept compilation under other options would be served as is
    (tmp_path / "t.j2").write_text("{% if 1 %}\nx\n{% endif %}\n")
    (tmp_path / "shared").mkdir()
    cache = jinja2.FileSystemBytecodeCache(str(tmp_path / "shared"))

    def render(trim: bool) -> str:
        loader = jinja2.FileSystemLoader(str(tmp_path))
        env = jinja2.Environment(loader=loader, bytecode_cache=cache, trim_blocks=trim)
        return env.get_template("t.j2").render()

    assert render(trim=True) == "x\n" and render(trim=False) == "x\n"  # stale: "\nx\n" expected
    # so the folder aisec keeps them in is named by jinja's version and render/templates.py, which sets them
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folders = {template_module._bytecode_cache().directory}  # type: ignore[union-attr,attr-defined]
    edited = tmp_path / "templates.py"
    edited.write_text(
        Path(template_module.__file__).read_text().replace("trim_blocks=True", "trim_blocks=False")
    )
    monkeypatch.setattr(template_module, "__file__", str(edited))
    folders.add(template_module._bytecode_cache().directory)  # type: ignore[union-attr,attr-defined]
    monkeypatch.setattr(jinja2, "__version__", "0.0.0")
    folders.add(template_module._bytecode_cache().directory)  # type: ignore[union-attr,attr-defined]
    assert len(folders) == 3


def test_spec_default_factories_are_python_functions() -> None:
    """pydantic reads each default factory's signature when it builds a model: a builtin's (list,
    dict) is parsed from its text by the tokenizer, a model's built from its fields, a function's
    read from its code. The spec's factories are functions, and make what the builtins made."""
    import types

    import pydantic

    import generator.spec as spec

    models = [m for m in vars(spec).values() if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
    seen = 0
    for model in models:
        for name, info in model.model_fields.items():
            if info.default_factory is not None:
                seen += 1
                assert type(info.default_factory) is types.FunctionType, (model.__name__, name)
                made = info.default_factory()  # type: ignore[call-arg]
                assert made in ([], {}) or isinstance(made, pydantic.BaseModel) or name == "stages", name
    assert seen >= 20


def test_importlib_metadata_is_imported_on_first_use() -> None:
    """The command line leaves ``importlib.metadata`` (and the email package it imports) to its first
    use: a spec's check never imports it, whichever way pydantic's plugin loader takes it (2.13:
    the module; 2.14: ``from importlib.metadata import entry_points``); a use, through the module,
    a function or a reference kept before, answers as the module does."""
    script = (
        "import sys, importlib\n"
        "from generator.cli import main\n"
        "import importlib.metadata as kept\n"
        "from importlib.metadata import entry_points, version as version_before\n"
        "try:\n"
        "    main(['check-spec', 'healthcare-training'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in ('email', 'csv', 'importlib.metadata._meta') if m in sys.modules))\n"
        "from importlib.metadata import PackageNotFoundError, version\n"
        "print(version('pydantic') == kept.version('pydantic') == importlib.metadata.version('pydantic') == version_before('pydantic'))\n"
        "print(sys.modules['importlib.metadata'] is importlib.metadata, kept.PackageNotFoundError is PackageNotFoundError)\n"
        "print(entry_points(group='console_scripts') == importlib.metadata.entry_points(group='console_scripts'))\n"
        "import os; os.environ.pop('PYDANTIC_DISABLE_PLUGINS', None)\n"
        "from pydantic.plugin import _loader; print(list(_loader.get_plugins()) == [] and _loader._plugins == {})\n"
    )  # fmt: skip
    done = _python(script)
    assert done.stdout.splitlines()[-5:] == ["[]", "True", "True True", "True", "True"], (
        done.stdout + done.stderr
    )
    # a submodule imported first is found where it is, and the module loads around it
    script = (
        "import generator.cli, sys\n"
        "import importlib.metadata._meta as meta\n"
        "import importlib.metadata\n"
        "print(importlib.metadata.version('pydantic') != '', sys.modules['importlib.metadata._meta'] is meta)\n"
    )
    done = _python(script)
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr


def test_spec_patterns_are_compiled_on_first_use() -> None:
    """Defining the spec's models compiles none of its checked types' patterns (the slug's is used
    at import); a check compiles the ones it uses, to what re.compile makes of them."""
    script = (
        "import gc\n"
        "from generator.spec import types, load_spec\n"
        "patterns = [p for p in gc.get_objects() if isinstance(p, types.LazyPattern)]\n"
        "print(len(patterns), sum(p._compiled is not None for p in patterns))\n"
        "load_spec('blueprints/healthcare-training.yaml')\n"
        "used = [p for p in patterns if p._compiled is not None]\n"
        "print(0 < len(used) < len(patterns), all(p.compiled.pattern == p.pattern for p in used))\n"
    )
    done = _python(script)
    count, compiled, *rest = done.stdout.split()
    assert int(count) >= 25 and int(compiled) <= 1 and rest == ["True", "True"], done.stdout
    pattern = types.LazyPattern(r"a(\d)")
    assert pattern.fullmatch("a1") and pattern.match("a12") and not pattern.fullmatch("a12")
    assert pattern.search("xa1") and not pattern.match("xa1") and pattern.compiled is pattern.compiled


def test_the_commands_that_render_nothing_import_no_jinja() -> None:
    """check-spec, cost and compliance load, check and decide a spec without rendering it: jinja
    (a tenth of them) is imported when a template environment is first used."""
    script = (
        "import sys\n"
        "from generator.cli import main\n"
        "for args in (['check-spec', 'healthcare-training'], ['cost', 'healthcare-training'],\n"
        "             ['compliance', 'healthcare-training', '--json']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, (args, exc.code)\n"
        "print('jinja2' in sys.modules)\n"
        "from generator.render import _HCL_ENV\n"
        "print(_HCL_ENV.get_template('versions.tf.j2').name, 'jinja2' in sys.modules)\n"
    )
    done = _python(script)
    assert done.stdout.splitlines()[-2:] == ["False", "versions.tf.j2 True"], done.stdout + done.stderr
