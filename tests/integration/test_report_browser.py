"""The HTML report as a person sees it: rendered by a real headless Chromium (Debian's
``chromium``; skipped, with the reason, when it is not installed).

Every request the browser makes for anything but the file goes through a recording proxy on
loopback, so "nothing leaves the file" is observed, not assumed; a control page that does load
something from elsewhere proves the proxy sees it. Console errors are read from Chromium's log.
A screenshot is left for a human to look at (its path is printed).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.commands.cli import main
from tests.unit.test_network_views import config  # noqa: F401  (the fixture: a real store)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium: apt-get install -y chromium (.ci/run does, as root)")
if importlib.util.find_spec("pygal") is None:
    pytest.skip("the report needs the extra: pip install 'syncd[report]'", allow_module_level=True)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


class Proxy:
    """A proxy that answers every request 502 and records what was asked for."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                except OSError:
                    continue
                if line:
                    self.seen.append(line)
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    def page_requests(self) -> list[str]:
        """What was asked for, less the browser's own housekeeping (its clock, updates and
        sign-in, which it sends whatever page it shows)."""
        return [line for line in self.seen
                if not re.search(r"^\S+ (https?://)?[\w.-]*\.(google\.com|googleapis\.com|"
                                 r"gvt1\.com)[:/]", line)]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    p = Proxy()
    yield p
    p.close()


def chromium(page: Path, proxy: Proxy, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="syncd-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
             f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
             *args, page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line
            or "Refused to" in line or "Uncaught" in line]


@pytest.fixture
def report(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
           ) -> Path:
    page = tmp_path / "report.html"
    assert main(["--config", str(config), "report", "--html", str(page)]) == 0
    assert "report written" in capsys.readouterr().out
    return page


def test_the_report_renders_with_its_charts_and_nothing_leaves_the_file(
        report: Path, proxy: Proxy, tmp_path: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/", "") and "https://" not in html
    dom = chromium(report, proxy, "--dump-dom", "--virtual-time-budget=2000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_errors(dom.stderr) == []
    figures = re.findall(r"<figure>(.*?)</figure>", dom.stdout, re.DOTALL)
    assert len(figures) == 4  # strongest, givers and takers, introductions, touches per week
    for svg in figures:
        assert "<svg" in svg
    bars = [[tag for tag in re.findall(r"<rect\b[^>]*>", svg) if 'class="rect reactive' in tag
             and all(float(re.search(rf'\b{a}="([\d.]+)"', tag).group(1)) > 0  # type: ignore[union-attr]
                     for a in ("width", "height"))] for svg in figures]
    assert [len(b) > 0 for b in bars] == [True, True, False, True], bars  # no intros made yet
    assert 'href="mailto:jane@acme.example"' in dom.stdout
    shot = tmp_path / "report.png"
    for width, name in ((1200, shot), (390, tmp_path / "report-phone.png")):
        run = chromium(report, proxy, f"--window-size={width},2200", f"--screenshot={name}")
        assert run.returncode == 0 and name.stat().st_size > 20_000, run.stderr[-2000:]
    pdf = tmp_path / "report.pdf"  # and in print (@media print)
    run = chromium(report, proxy, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert run.returncode == 0 and pdf.read_bytes()[:5] == b"%PDF-", run.stderr[-2000:]
    assert pdf.stat().st_size > 20_000
    print(f"\nscreenshots for a human: {shot} and {tmp_path / 'report-phone.png'}")  # noqa: T201
    assert proxy.page_requests() == [], "\n".join(proxy.seen)


def test_the_watchers_would_see_a_page_that_reaches_out(proxy: Proxy, tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="http://cdn.example/x.png">'
                    "<script>console.error('broken ' + 1)</script>", encoding="utf-8")
    run = chromium(page, proxy, "--dump-dom", "--virtual-time-budget=2000")
    assert any("cdn.example" in line for line in proxy.page_requests()), proxy.seen
    assert any("broken 1" in line for line in console_errors(run.stderr)), run.stderr[-2000:]
