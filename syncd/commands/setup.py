"""Setting up: `syncd init`, `check-config`, `auth NAME` and `install`."""

from __future__ import annotations

import argparse

from syncd import config as config_mod
from syncd.commands.common import config_path, err, load_config, out
from syncd.config import sample as config_sample
from syncd.errors import ConfigError, Problem, SyncdError
from syncd.files import write_private


def cmd_init(args: argparse.Namespace) -> int:
    text = config_sample.render()
    if args.stdout:
        out().print(text, markup=False, end="")
        return 0
    path = config_path(args)
    if path.exists() and not args.force:
        raise SyncdError(f"{path} exists; use `syncd init --force` to overwrite it, or "
                         "`syncd init --stdout` to see the sample")
    write_private(path, text)
    err().print(f"wrote {path}; edit it, then run `syncd check-config`", markup=False)
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Every problem at once: the schema's, then this machine's (files, secrets, placeholders);
    with ``--online``, one login per account."""
    from syncd.config.environment import environment_problems

    path = config_path(args)
    try:
        raw = config_mod.read_raw(path)
    except ConfigError as exc:
        err().print(f"syncd: {path}: {exc}", markup=False)
        return exc.exit_code
    problems: list[Problem] = []
    config = None
    try:
        config = config_mod.from_dict(raw, source=str(path))
    except ConfigError as exc:
        problems += exc.problems
    problems += [p for p in environment_problems(raw) if p not in problems]
    if problems:
        error = ConfigError(problems, str(path))
        err().print(f"syncd: {error}", markup=False)
        return error.exit_code
    assert config is not None
    out().print(f"{path}: ok ({len(config.accounts)} account(s))", markup=False)
    _text_warnings(config)
    return _online(config) if args.online else 0


def token_text(account: config_mod.Account) -> bool | None:
    """Whether a Gmail account's stored token gets message text (None: no token, or not
    Gmail)."""
    if not (isinstance(account, config_mod.GoogleAccount) and account.type == "gmail"):
        return None
    from connectors._google_token import grants_text

    return grants_text(account.name)


def _text_warnings(config: config_mod.Config) -> None:
    """An account that asks for text its sign-in does not allow works (headers decide) but
    should hear how to fix it."""
    from syncd.config.text import text_problem

    for account in config.accounts:
        problem = text_problem(config, account.name, token_text=token_text(account))
        if problem is not None:
            err().print(f"warning: {problem}", markup=False, soft_wrap=True)


def _online(config: config_mod.Config) -> int:
    """One login per account; the worst exit code (77 sign in again, 75 network, 1 other)."""
    from connectors.probe import probe

    codes = set()
    for account in config.accounts:
        try:
            said = f"ok, {probe(config, account.name)}"
        except SyncdError as exc:
            said, code = f"FAILED: {exc}", exc.exit_code
            codes.add(code)
        out().print(f"  {account.name} ({account.type}): {said}", markup=False)
    return next((c for c in (77, 75, 1) if c in codes), min(codes, default=0))


def cmd_auth(args: argparse.Namespace) -> int:
    from syncd.auth.flows import run_auth

    return run_auth(load_config(args), args.name, err(), headless=args.headless)


def cmd_install(args: argparse.Namespace) -> int:
    from syncd.commands.install import install

    for line in install(timer=args.timer, config=args.config, dry_run=args.dry_run):
        (err() if line.startswith("warning: ") else out()).print(line, markup=False,
                                                                 soft_wrap=True)
    return 0
