"""The "syncd: re-authorise NAME" notice: one all-day event today while an account needs auth.

It goes through the same plan as every follow-up (kind ``reauth``, key
``sha256(account, "reauth")``), so it is written once, moves to today each day, and is removed
when the account works again. Its anchor is the account's last success: deleting the event
dismisses it until the account has worked and failed again. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rules.candidates import Candidate, base_key
from syncd.config import Config, GoogleAccount, OutlookAccount
from syncd.model import FollowUp

KIND = "reauth"


def all_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Today (in ``tz``) as an all-day start: that date at 00:00 UTC, as a CalDAV DATE reads."""
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=UTC)


def candidates(config: Config, statuses: Mapping[str, Mapping[str, Any]], now: datetime
               ) -> dict[str, Candidate]:
    """One candidate per configured account whose last pull ended in ``needs_auth``."""
    tz = ZoneInfo(config.me.timezone)
    found = {}
    for account in config.accounts:
        status = statuses.get(account.name, {})
        if status.get("state") != "needs_auth":
            continue
        key = base_key(account.name, KIND)
        found[key] = Candidate(
            base_key=key, kind=KIND, person=account.name, due=all_day_start(now, tz),
            anchor=f"needs_auth since {status.get('last_success') or 'the first sync'}",
            reason=f"account {account.name} needs re-authorisation",
            details=(str(status.get("last_error") or ""),))
    return found


def fix_for(config: Config, name: str) -> str:
    try:
        account = config.account(name)
    except KeyError:
        return f"check the account {name} in the config"
    if isinstance(account, GoogleAccount | OutlookAccount):
        return f"run `syncd auth {name}`"
    return "check its password_command or password_env in the config"


def followup(config: Config, cand: Candidate, start: datetime, key: str) -> FollowUp:
    name = cand.person
    lines = [(f"syncd cannot read the account {name}: {fix_for(config, name)}, then "
             "`systemctl --user reload syncd` (or wait for the next retry)."),
             f"Last error: {cand.details[0] if cand.details else 'unknown'}", "",
             "Written by syncd; removed once the account works again."]
    return FollowUp(
        key=key, base_key=cand.base_key, kind=KIND, person_id=name, person_name=name, email="",
        due=start.date(), start=start, duration=timedelta(days=1), timezone=config.me.timezone,
        title=f"syncd: re-authorise {name}", description="\n".join(lines), reason=cand.reason,
        anchor=cand.anchor, all_day=True)
