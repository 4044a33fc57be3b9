"""The wizard's mechanics: a quick-start spec, prompts (questionary) whose answers are checked by
the pydantic type of the field they fill, and the checks of people's ARNs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import questionary
from pydantic import BaseModel, TypeAdapter, ValidationError
from questionary import Choice

from generator import spec as spec_mod

# A quick start (`--defaults` without `--from`): placeholders to replace before applying.
STARTER: dict[str, Any] = {
    "apiVersion": "aisec/v1",
    "name": "ai-landing",
    "aws": {"region": "us-east-1", "account_id": "123456789012"},
    "compliance": [],
    "network": {
        "vpc_id": "vpc-0123456789abcdef0",
        "vpc_cidr": "10.0.0.0/16",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "route_table_ids": ["rtb-0123456789abcdef0"],
    },
    "foundation": "create",
    "access": {"admin_principals": ["arn:aws:iam::123456789012:role/PlatformAdmin"], "human_access": "sso"},
    "alerts": {"email": []},
    "workloads": [
        {"name": "training", "type": "training", "data": {"sensitivity": "internal", "categories": []}}
    ],
}


def field_check(model: type[BaseModel], name: str) -> Callable[[Any], str | None]:
    """A validator for one field, with the messages of the YAML path (None when valid)."""
    info = model.model_fields[name]
    annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def check(value: Any) -> str | None:
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            problems = spec_mod._problems_from_validation(exc)
            return "; ".join(
                f"{spec_mod.format_loc(p.loc)}: {p.message}" if p.loc else p.message for p in problems
            )
        return None

    return check


def help_text(model: type[BaseModel], name: str) -> str:
    why = spec_mod.WHY.get(f"{model.__name__}.{name}", "")
    return why


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@dataclass
class Prompter:
    """Asks questionary prompts in the terminal; with ``keys``, each prompt is fed the next string
    of keystrokes instead (for tests: the real prompts, answered without a terminal)."""

    keys: list[str] | None = None
    show_why: bool = True
    _pipes: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def io(self) -> dict[str, Any]:
        if self.keys is None:
            return {}
        if not self.keys:
            raise AssertionError("the scripted answers ran out before the questions did")
        from prompt_toolkit.input import create_pipe_input
        from prompt_toolkit.output import DummyOutput

        pipe = self._pipes.enter_context(create_pipe_input())
        pipe.send_text(self.keys.pop(0))
        pipe.close()  # a prompt left wanting more keys ends with EOFError instead of waiting
        return {"input": pipe, "output": DummyOutput()}

    def _message(self, model: type[BaseModel], name: str, message: str | None = None) -> str:
        text = message or model.model_fields[name].description or name
        return text.rstrip(".")

    def _why(self, model: type[BaseModel], name: str) -> str | None:
        why = help_text(model, name)
        return f"(why: {why})" if why and self.show_why else None

    def text(self, model: type[BaseModel], name: str, default: str = "", as_list: bool = False,
             optional: bool = False, message: str | None = None,
             check: Callable[[Any], str | None] | None = None,
             cross: Callable[[Any], str | None] | None = None) -> Any:  # fmt: skip
        """``check`` judges the answer alone (default: its field's type), ``cross`` with the others."""
        check = check or field_check(model, name)

        def validate(answer: str) -> bool | str:
            value: Any = split_list(answer) if as_list else answer
            if optional and not answer.strip():
                value = [] if as_list else ""
            else:
                problem = check(value)
                if problem is not None:
                    return problem
            problem = cross(value) if cross is not None else None
            return True if problem is None else problem

        answer = questionary.text(
            self._message(model, name, message) + (" (comma-separated)" if as_list else ""),
            default=default,
            validate=validate,
            instruction=self._why(model, name),
            **self.io,
        ).unsafe_ask()
        if optional and not answer.strip():
            return [] if as_list else ""
        return split_list(answer) if as_list else answer

    def select(self, model: type[BaseModel], name: str, choices: Sequence[str], default: str | None = None,
               message: str | None = None) -> str:  # fmt: skip
        return str(
            questionary.select(
                self._message(model, name, message), choices=list(choices), default=default,
                instruction=self._why(model, name), **self.io,
            ).unsafe_ask()
        )  # fmt: skip

    def checkbox(self, model: type[BaseModel], name: str, choices: Sequence[str], checked: Sequence[str] = (),
                 message: str | None = None, at_least_one: bool = False) -> list[str]:  # fmt: skip
        answer = questionary.checkbox(
            self._message(model, name, message),
            choices=[Choice(c, checked=c in checked) for c in choices],
            validate=(lambda a: bool(a) or "choose at least one") if at_least_one else (lambda a: True),
            instruction=self._why(model, name),
            **self.io,
        ).unsafe_ask()
        return [str(a) for a in answer]

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(questionary.confirm(message, default=default, **self.io).unsafe_ask())

    def menu(self, message: str, choices: Sequence[Choice], default: str | None = None) -> str:
        return str(
            questionary.select(message, choices=list(choices), default=default, **self.io).unsafe_ask()
        )


def _people_check(iam_mfa: bool) -> Callable[[Any], str | None]:
    """Each entry a permission set name or an ARN (ARNs only with iam-mfa), as the YAML path says."""
    adapter: TypeAdapter[Any] = TypeAdapter(list[spec_mod.PersonRef])

    def check(value: Any) -> str | None:
        if not value:
            return "name at least one permission set or principal"
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            return "; ".join(p.message for p in spec_mod._problems_from_validation(exc))
        if iam_mfa and any(not v.startswith("arn:") for v in value):
            return "with human_access iam-mfa, name IAM role or user ARNs"
        return None

    return check
