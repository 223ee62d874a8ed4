"""One exception root and the documented exit codes.

Layers raise subclasses of :class:`CostgateError` with a user-facing one-line message;
only ``costgate.cli.main`` turns them into exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses (documented in the README)."""

    OK = 0
    POLICY_FAILED = 1
    INPUT_ERROR = 2
    INTERNAL_ERROR = 3
    INTERRUPTED = 130


class CostgateError(Exception):
    """Base for every error costgate expects; the message is shown to the user as one line."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR


class InputError(CostgateError):
    """Bad input: a file that is not what it claims, a bad flag value, a bad usage file."""


class PlanError(InputError):
    """A Terraform plan or state file that cannot be read."""


class PricingDataError(InputError):
    """A price file that is corrupt, truncated, of the wrong format, or missing."""


class UsageFileError(InputError):
    """A usage file with unknown keys or wrong value types."""


class ConfigError(InputError):
    """A bad configuration or policy file."""


class NetworkError(CostgateError):
    """A download or API call that failed after retries (offline, refused, HTTP error)."""


class PolicyFailed(CostgateError):
    """The budget policy verdict is ``fail``."""

    exit_code = ExitCode.POLICY_FAILED
