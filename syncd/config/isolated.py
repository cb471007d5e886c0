"""The config validated in a child process, for ``syncd run``.

Validation needs pydantic and the schema's models (about 9 MB that would stay in the daemon for
good: modules once imported are never freed). So the daemon, at start and at each SIGHUP, runs
``python -m syncd.config.isolated PATH``: the child validates exactly as ``syncd.config.load``
does and writes back the plain config (``syncd.config.plain``, which needs no pydantic) or the
problems, pickled, on its stdout. Pickle is safe here: the bytes come from our own child, over a
pipe, never from a file.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from syncd.config.plain import Config
from syncd.errors import ConfigError, Problem

TIMEOUT = 120.0  # seconds; a password manager is not run while validating, so this is plenty


def load(path: Path) -> Config:
    """``syncd.config.load(path)`` in a child process: the same ``Config`` or ``ConfigError``."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # this syncd, wherever it is imported from
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-m", "syncd.config.isolated", str(path)],
                              env=env, capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError([Problem("", f"could not validate the config in a child process: "
                                       f"{exc}", "run `syncd check-config` to see why")],
                          str(path)) from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError([Problem("", "validating the config in a child process failed: "
                                       + (said[-1] if said else f"exit {done.returncode}"),
                                   "run `syncd check-config` to see why")], str(path))
    answer = pickle.loads(done.stdout)  # noqa: S301 - our own child's answer, over a pipe
    if answer[0] == "error":
        raise ConfigError(answer[1], answer[2])
    config: Config = answer[1]
    return config


def main(argv: list[str]) -> int:
    from syncd.config import load as validated

    try:
        answer: tuple[object, ...] = ("ok", validated(Path(argv[0])))
    except ConfigError as exc:
        answer = ("error", exc.problems, exc.source)
    sys.stdout.buffer.write(pickle.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
