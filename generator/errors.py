"""One exception hierarchy. The CLI turns these into messages and exit codes in one place.

Every error a user can cause derives from :class:`AisecError`; anything else reaching the
CLI is a bug and is reported as such (with the traceback only under ``AISEC_DEBUG=1``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class AisecError(Exception):
    """Base of every error aisec reports to a user."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        details: Sequence[str] = (),
        *,
        file: str | None = None,
        problems: Sequence[Mapping[str, str | None]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.file = file  # the file the error is about, when there is one (for --json)
        self.problems = [dict(p) for p in problems]  # {"file", "field", "message"} each, for --json

    def lines(self) -> list[str]:
        return [self.message, *self.details]


class UserInputError(AisecError, ValueError):
    """Bad input from the user: a spec, an argument, a file. Exit code 2."""

    exit_code = 2


class SpecError(UserInputError):
    """A spec file that cannot be loaded. ``details`` holds one ``file: path: message`` per problem,
    ``problems`` the same as records."""


class WorkError(AisecError, RuntimeError):
    """The work itself failed (checks, terraform, files on disk). Exit code 1."""


class RenderNeedsAttention(WorkError):
    """A render wrote what it could, but some files need the user: generated files edited by hand
    (generated files are not edited), files holding conflict markers, files aisec did not make."""

    def __init__(
        self,
        directory: str,
        conflicts: Sequence[str],
        edited: Sequence[str] = (),
        unmanaged: Sequence[str] = (),
    ) -> None:
        super().__init__(
            f"{directory}: {len(conflicts) + len(edited) + len(unmanaged)} file(s) need your attention "
            "and were left as they are (generated files are not edited; your own Terraform goes in "
            "*.custom.tf files, changes to a generated block in *_override.tf files)",
            [f"{f}: holds the conflict markers (<<<<<<< ... >>>>>>>) of an unresolved merge; move "
             "the side you need to a *.custom.tf or *_override.tf file, then --force restores the "
             "generated file" for f in conflicts]
            + [f"{f}: edited since the last render; move the change to a *.custom.tf or "
               "*_override.tf file, then --force restores the generated file" for f in edited]
            + [f"{f}: not made by aisec, at a path aisec generates; move it away, or --force "
               "replaces it" for f in unmanaged],
        )  # fmt: skip
