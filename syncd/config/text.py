"""What each mail account reads of a message's text for the text signals (DESIGN.md section 3):
``[detection] message_text``, the account's own ``message_text``, and what its granted scope
allows. ``syncd status`` shows it; the connectors are built from ``Config.message_text``."""

from __future__ import annotations

from syncd.config.accounts import GoogleAccount, ImapAccount, OutlookAccount
from syncd.config.schema import Config


def text_signals(config: Config, name: str) -> str | None:
    """One line on what account ``name`` reads; None for an account that holds no mail."""
    account = config.account(name)
    mail = isinstance(account, ImapAccount | OutlookAccount) or (
        isinstance(account, GoogleAccount) and account.type == "gmail")
    if not mail:
        return None
    if config.message_text(name) == "none":
        return 'headers only (message_text = "none")'
    if isinstance(account, ImapAccount):
        return "preview: the first ~2 KB of the first text part, judged in memory, never kept"
    if isinstance(account, OutlookAccount):
        if account.mail_permission != "Mail.Read":
            return ('headers only: Mail.ReadBasic gives no bodyPreview (mail_permission = '
                    '"Mail.Read" allows it)')
        return "preview: bodyPreview (255 characters), judged in memory, never kept"
    return ("headers only: the gmail.metadata scope returns no message text (Gmail previews are "
            "not supported yet)")
