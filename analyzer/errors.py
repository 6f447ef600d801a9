"""The exception hierarchy. Every error the tool raises on purpose derives from AnalyzerError.

Each class carries the CLI exit code it maps to, so the CLI never has to guess, and a message that
names the input, says what is wrong and what to do.
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base of every deliberate error. `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InputError(AnalyzerError):
    """Bad user input: a missing, empty, binary or oversized file, an invalid profile or flag value."""

    exit_code = 2


class BudgetExceededError(InputError):
    """A listing needed more CPU time or work than its budget (analyzer.cpubudget): likely built to be slow."""


class ProfileError(InputError):
    """A saved analysis or profile JSON that cannot be read back."""


class ScoringError(InputError):
    """A scoring input (CVSS vector, factor value, multiplier) that is out of range or malformed."""


class FetchError(AnalyzerError):
    """A listing could not be fetched."""

    exit_code = 3


class BlockedURLError(FetchError):
    """The URL is refused by policy: scheme, private address (SSRF guard) or robots.txt."""

    exit_code = 2


class UnreachableError(FetchError):
    """No usable response from the server: refused, reset, timed out, or past the fetch deadline."""


class NotFoundError(FetchError):
    """The remote repository, model or page does not exist."""


class GatedError(FetchError):
    """The remote resource exists but needs accepted terms or a token."""


class ContentError(FetchError):
    """The response is not a listing we can read (wrong type, too large, undecodable)."""


class ExtractionError(AnalyzerError):
    """The extractor could not produce a profile (LLM refusal, truncation, exhausted retries)."""

    exit_code = 4


class ConfigError(AnalyzerError):
    """Missing or inconsistent configuration (provider, model, endpoint)."""

    exit_code = 2


class EvalGateError(AnalyzerError):
    """An eval run is worse than its baseline beyond a gated threshold."""

    exit_code = 6
