"""The one exception tree, grouped by what the caller does.

    SyncdError
    ├── ConfigError        the user fixes the config file; exit 78
    ├── ConnectorError     blast radius: one account; the others go on
    │   ├── AuthError      park the account; tell the user to run `syncd auth NAME`; exit 77
    │   ├── TransientError network, 429, 5xx: back off (honour retry_after); exit 75
    │   ├── CursorExpired  one bounded full resync of the scope: upsert, then sweep
    │   └── ProtocolError  an unparseable item: quarantine it, advance, count it
    ├── StoreError         the local database cannot be used as it is
    │   └── SchemaTooNew   written by a newer syncd: refuse rather than corrupt
    └── PlanRefused        the mass-cancel guard tripped; `syncd sync --force` after a look

Every message a user sees says what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


class SyncdError(Exception):
    """Base of everything syncd raises on purpose."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in the config: where it is, what is wrong, how to fix it."""

    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class ConfigError(SyncdError):
    exit_code = 78

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s){where}:\n{lines}")


class ConnectorError(SyncdError):
    """Something went wrong talking to one account."""

    def __init__(self, message: str, *, account: str = "") -> None:
        self.account = account
        super().__init__(f"{account}: {message}" if account else message)


class AuthError(ConnectorError):
    exit_code = 77


class TransientError(ConnectorError):
    exit_code = 75

    def __init__(
        self, message: str, *, account: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message, account=account)
        self.retry_after = retry_after


class CursorExpired(ConnectorError):
    """The provider no longer honours the stored cursor for ``scope`` ("" = the whole account)."""

    def __init__(self, message: str, *, account: str = "", scope: str = "") -> None:
        super().__init__(message, account=account)
        self.scope = scope


class ProtocolError(ConnectorError):
    pass


class StoreError(SyncdError):
    pass


class SchemaTooNew(StoreError):
    pass


class PlanRefused(SyncdError):
    exit_code = 1

    def __init__(self, cancels: int, live: int) -> None:
        self.cancels = cancels
        self.live = live
        super().__init__(
            f"the plan would remove {cancels} of {live} live follow-up events; refusing. "
            "If that is expected (you changed the rules), run `syncd sync --force`."
        )
