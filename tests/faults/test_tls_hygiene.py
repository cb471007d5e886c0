"""TLS certificate verification is never switched off anywhere in syncd or its connectors (a
source scan), and plaintext is accepted only to loopback hosts (tests/unit/test_config.py,
tests/integration/test_imap_source.py, tests/integration/test_caldav_source.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DISABLING = re.compile(
    r"verify\s*=\s*False|ssl_verify_cert\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False"
    r"|_create_unverified_context|disable_warnings|PYTHONHTTPSVERIFY")


def test_no_code_path_disables_certificate_verification() -> None:
    files = [p for top in ("syncd", "connectors", "rules") for p in (ROOT / top).rglob("*.py")
             if "localservers" not in p.parts]  # the test servers' own clients are not syncd
    assert len(files) > 20
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in files for n, line in enumerate(p.read_text().splitlines(), 1)
             if DISABLING.search(line)]
    assert found == []
