"""Setting up: `syncd init`, `check-config`, `auth NAME` and `install`."""

from __future__ import annotations

import argparse

from syncd import config as config_mod
from syncd.commands.common import config_path, err, load_config, out
from syncd.config import sample as config_sample
from syncd.errors import ConfigError, SyncdError
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
    path = config_path(args)
    try:
        config = config_mod.load(path)
    except ConfigError as exc:
        err().print(f"syncd: {path}: {exc}", markup=False)
        return exc.exit_code
    out().print(f"{path}: ok ({len(config.accounts)} account(s))", markup=False)
    return 0


def cmd_auth(args: argparse.Namespace) -> int:
    from syncd.auth.flows import run_auth

    return run_auth(load_config(args), args.name, err(), headless=args.headless)


def cmd_install(args: argparse.Namespace) -> int:
    from syncd.commands.install import install

    for line in install(timer=args.timer, config=args.config, dry_run=args.dry_run):
        out().print(line, markup=False)
    return 0
