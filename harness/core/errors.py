"""The one exception tree of the harness.

    HarnessError                      base of everything the harness raises on purpose
    ├── UsageError                    the user's input is wrong: exit 2, message, no traceback
    │   ├── SuiteError                a suite file is broken (file, line, excerpt, hint)
    │   ├── ProviderConfigError       a providers file or catalogue entry is broken
    │   ├── UnknownTargetError        `provider/model` names nothing in the catalogue
    │   ├── UnknownCheckError         `expect:` names a check that is not registered
    │   ├── UnknownEndpointError      an endpoint no registered wire protocol serves (also a
    │   │                             ValueError, as the translators raised before)
    │   ├── MissingCredentialError    the target's API-key environment variable is unset
    │   └── RunFileError              a run folder's files are corrupt (also a ValueError)
    ├── RegistryError                 a duplicate registration (a programming error)
    ├── LimitExceeded                 untrusted input over a stated limit (also a ValueError,
    │   │                             so parsers that treat bad input as "not JSON" stay safe);
    │   │                             `error_class` names the job's row class
    │   ├── TooDeepError              JSON nested deeper than the parser's bound (too_deep)
    │   └── TooLargeError             a body over --max-response-bytes (too_large)
    └── CheckFailure                  a check saw a response that breaks the contract (exit 1);
                                      data, not a crash: check, title, expected, received

Anything else that escapes is a bug and shows its traceback.
Messages never contain secret values: callers pass names of environment variables, not values.
"""

from __future__ import annotations

from typing import Any


class HarnessError(Exception):
    """Base class of every error the harness raises on purpose."""


class UsageError(HarnessError):
    """Bad input from the user (suite, flag, providers file): exit code 2, no traceback."""

    exit_code = 2


class SuiteError(UsageError):
    """A suite file is invalid. The message names file and line and shows the excerpt."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class ProviderConfigError(UsageError):
    """A providers file (or the packaged catalogue) is invalid."""


class UnknownTargetError(UsageError):
    """A `provider/model` target that the catalogue does not know."""


class UnknownCheckError(UsageError):
    """An `expect:` entry names a check that no one registered."""


class UnknownEndpointError(UsageError, ValueError):
    """An endpoint name (or endpoint and dialect) that no registered wire protocol serves.

    Never a silent fallback to chat: the message names the known endpoints and the closest one.
    """


class MissingCredentialError(UsageError):
    """The environment variable holding the target's API key is not set."""


class RunFileError(UsageError, ValueError):
    """A results.jsonl / run.json / results.parquet that cannot be read as a run."""


class RegistryError(HarnessError):
    """Two things registered under one name."""


class LimitExceeded(HarnessError, ValueError):
    """Untrusted input (an answer, a stream event) broke a limit the harness states; the job
    that read it gets a row of class `error_class`, the run goes on."""

    error_class = "limit"


class TooDeepError(LimitExceeded):
    """JSON nested deeper than the bound of `harness.core.jsonsafe.loads_bounded`."""

    error_class = "too_deep"


class TooLargeError(LimitExceeded):
    """A response body over the run's --max-response-bytes (counted after decompression)."""

    error_class = "too_large"


class CheckFailure(HarnessError):
    """A check found the response breaking the contract.

    Carries data, so reports can show expected against received without parsing text.
    """

    def __init__(
        self,
        title: str,
        *,
        expected: Any = None,
        received: Any = None,
        check: str = "",
    ) -> None:
        super().__init__(title)
        self.title = title
        self.expected = expected
        self.received = received
        self.check = check
