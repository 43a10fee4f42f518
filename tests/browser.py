"""A small driver for a real headless Chromium, for the web player's tests: the Chrome
DevTools Protocol over --remote-debugging-pipe (JSON messages ended by a NUL byte on
file descriptors 3 and 4), so no Python package, no chromedriver and no port are
needed, only the browser itself (Debian's `chromium`; .ci/run installs it).

The page is opened from a file:// address with the network emulated offline, and every
request the page makes is recorded, so a test can say it fetched nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
WAIT = 30.0  # seconds the browser may take to answer a command (a busy 2-core machine)

# a key as the protocol's Input.dispatchKeyEvent wants it: key, code, Windows key code
KEYS = {"ArrowRight": ("ArrowRight", "ArrowRight", 39), "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37),
        " ": (" ", "Space", 32), "Home": ("Home", "Home", 36), "End": ("End", "End", 35)}


def find() -> str | None:
    """The browser's program, if one is installed (BACKPROP_CHROMIUM names another)."""
    chosen = os.environ.get("BACKPROP_CHROMIUM")
    if chosen:
        return shutil.which(chosen) or chosen
    return next((p for p in map(shutil.which, NAMES) if p), None)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless browser with one page. Use as a context manager."""

    def __init__(self, exe: str):
        self.profile = tempfile.mkdtemp(prefix="backprop-chromium-")
        to_child, self._send = os.pipe()
        self._recv, from_child = os.pipe()

        def fds() -> None:  # in the child: its ends as fds 3 (commands) and 4 (answers),
            # moved above 10 first, so that neither overwrites the other on the way
            a = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                f"--user-data-dir={self.profile}", "--window-size=1280,900",
                # the network off, twice over: no proxy can be reached, no name resolves
                "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        self.proc = subprocess.Popen([*args, "about:blank"], pass_fds=(3, 4),
                                     preexec_fn=fds, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        self.session = ""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for method in ("Page.enable", "Runtime.enable", "Network.enable"):
            self.call(method)
        self.call("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)

    # -- the protocol

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._recv], [], [], left)[0]:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self._recv, 1 << 16)
            if not chunk:
                raise BrowserError("the browser closed its pipe (did it start?)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, **params) -> dict:
        self._id += 1
        message: dict = {"id": self._id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + WAIT
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + WAIT
        while True:
            for k, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(k)
            self.events.append(self._message(deadline))

    # -- what a test does

    def open(self, path: Path) -> None:
        """Open a file from its file:// address and wait until it has loaded."""
        self.events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        """The value of a JavaScript expression in the page."""
        done = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in done:
            raise BrowserError(f"{expression}: {done['exceptionDetails']}")
        return done["result"].get("value")

    def key(self, name: str) -> None:
        key, code, vk = KEYS[name]
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code,
                      windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = self.js("(function () { var r = document.querySelector(" + json.dumps(selector)
                      + ").getBoundingClientRect(); return [r.x + r.width / 2, "
                      "r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                      button="left", clickCount=1)

    def requests(self) -> list[str]:
        """The address of every request the page has made since it was opened."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def errors(self) -> list[dict]:
        """Uncaught script errors and console errors since the page was opened."""
        return [e["params"] for e in self.events
                if e.get("method") == "Runtime.exceptionThrown"
                or (e.get("method") == "Runtime.consoleAPICalled"
                    and e["params"].get("type") == "error")]

    def close(self) -> None:
        try:
            self.session = ""
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._send, self._recv):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
