"""What each mail account reads of a message's text for the text signals (DESIGN.md section 3):
``[detection] message_text``, the account's own ``message_text``, and what its granted scope
allows. ``syncd status`` and ``syncd check-config`` show it; the connectors are built from
``Config.message_text``. Gmail reads snippets only when its account opts in, and only with a
token granted gmail.readonly; the callers say what the stored token allows (``token_text``: True,
False, or None when there is no token yet), since reading token files is not config's job."""

from __future__ import annotations

from syncd.config.plain import Config, GoogleAccount, ImapAccount, OutlookAccount


def text_signals(config: Config, name: str, *, token_text: bool | None = None) -> str | None:
    """One line on what account ``name`` reads; None for an account that holds no mail."""
    account = config.account(name)
    mail = isinstance(account, ImapAccount | OutlookAccount) or (
        isinstance(account, GoogleAccount) and account.type == "gmail")
    if not mail:
        return None
    if isinstance(account, GoogleAccount):
        return _gmail(account, token_text)
    if config.message_text(name) == "none":
        return 'headers only (message_text = "none")'
    if isinstance(account, ImapAccount):
        return "preview: the first ~2 KB of the first text part, judged in memory, never kept"
    if not isinstance(account, OutlookAccount) or account.mail_permission != "Mail.Read":
        return ('headers only: Mail.ReadBasic gives no bodyPreview (mail_permission = '
                '"Mail.Read" allows it)')
    return "preview: bodyPreview (255 characters), judged in memory, never kept"


def text_problem(config: Config, name: str, *, token_text: bool | None) -> str | None:
    """A warning with its fix when account ``name`` asks to read text its token does not
    allow (a Gmail account authorised before it opted in)."""
    account = config.account(name)
    if isinstance(account, GoogleAccount) and account.reads_text and token_text is False:
        return (f'{name}: message_text = "preview" needs the gmail.readonly scope, but the '
                "stored token allows only gmail.metadata (no message text), so the headers "
                f"decide what asks; run `syncd auth {name}` to grant it")
    return None


def _gmail(account: GoogleAccount, token_text: bool | None) -> str:
    if not account.reads_text:
        if account.message_text == "none":
            return 'headers only (message_text = "none")'
        return ('headers only: gmail.metadata gives no message text (message_text = "preview" '
                "on this account reads snippets; it asks for gmail.readonly)")
    if token_text is None:
        return f"snippet once authorised: run `syncd auth {account.name}` (asks gmail.readonly)"
    if not token_text:
        return ("headers only: the stored token allows only gmail.metadata, which gives no "
                f"snippet; run `syncd auth {account.name}` to grant gmail.readonly")
    return "preview: snippet (about 200 characters), judged in memory, never kept"
