"""Errors a user can meet, each with its exit code and a one-line message.

Exit codes (documented in README.md):

* 0 -- success
* 1 -- user error: a wrong option value, an unknown name or task number
* 2 -- data-file error: the file cannot be read, parsed, validated or written
* 3 -- the output cannot be written (a full disk, a closed terminal)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USER = 1
EXIT_DATA = 2
EXIT_OUTPUT = 3


class IpqError(Exception):
    """Base of every error ipq reports to a user (never shown as a traceback)."""

    exit_code = EXIT_USER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(IpqError):
    """A wrong option value or argument."""

    exit_code = EXIT_USER


class UnknownName(UserError):
    """A department, category, province or group name that cannot be resolved."""

    def __init__(
        self,
        kind: str,
        text: str,
        candidates: list[str],
        ambiguous: bool = False,
        hint: str | None = None,
    ) -> None:
        self.kind = kind
        self.text = text
        self.candidates = candidates
        self.ambiguous = ambiguous
        shown = "、".join(candidates)
        if ambiguous:
            message = f"{kind}“{text}”不明确，可能是：{shown}"
        elif candidates:
            message = f"未知的{kind}“{text}”（您是不是要找：{shown}？）"
        elif hint:
            message = f"未知的{kind}“{text}”（{hint}）"
        else:
            message = f"未知的{kind}“{text}”"
        super().__init__(message)


class ReturnRefused(UserError):
    """A returned form with problems: each is one line; nothing from it is applied."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class DataFileError(IpqError):
    """The data file cannot be read, parsed or validated, or cannot be written."""

    exit_code = EXIT_DATA

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
