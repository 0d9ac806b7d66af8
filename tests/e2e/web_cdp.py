#!/usr/bin/env python3
"""tests/e2e/web_cdp.py: an officer's visit to the dashboard in headless
Chromium, driven over the Chrome DevTools protocol (used by web_browser.sh).

    web_cdp.py CHROMIUM BASE-URL TOKEN ANOMALY-ID PERSON OUT-DIR

Chromium runs with --remote-debugging-pipe: the protocol's JSON messages go
to it on file descriptor 3 and come back on descriptor 4, each ended by a
NUL byte, so no WebSocket client is needed (only the standard library).

The visit: open /ui/ (the sign-in page answers), type the token and click
"Sign in with token" with real mouse events, read the overview, open the
anomaly list and click through to ANOMALY-ID, type a note and an assignee
and click "Acknowledge", then open the person's dossier, the risk ranking,
vetting and agents. Each step's findings (URL, heading, texts, counts) go to
OUT-DIR/result.json and a screenshot of each page to OUT-DIR/*.png; the
shell test asserts on them. Console messages and script errors (a CSP
violation is one) are collected too. Exit status 0 when the visit ran to
its end, 1 (with the reason on stderr) when the browser or a step failed.
"""

import base64
import fcntl
import json
import os
import select
import subprocess
import sys
import time

STEP_TIMEOUT = 30.0


class Browser:
    """A headless Chromium and one page in it."""

    def __init__(self, chromium, profile):
        # (read end, write end) pairs: commands to Chromium, replies back.
        self.cmd_r, self.cmd_w = os.pipe()
        self.rep_r, self.rep_w = os.pipe()
        cmd_r, rep_w = self.cmd_r, self.rep_w

        def child_fds():
            # Out of the way first (either may be 3 or 4 already), then onto
            # 3 and 4 without close-on-exec; every other descriptor of this
            # process is close-on-exec (Python's default).
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
            b = fcntl.fcntl(rep_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [chromium, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--metrics-recording-only",
                "--password-store=basic", "--use-mock-keychain", "--window-size=1280,900",
                "--user-data-dir=" + profile, "about:blank"]
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=child_fds,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(profile, "chromium.log"), "wb"))
        os.close(cmd_r)
        os.close(rep_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        self.console = []

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.rep_r)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.rep_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.rep_r, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (see chromium.log)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def _note(self, msg):
        method = msg.get("method", "")
        p = msg.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.console.append("console.%s: %s" % (p.get("type"), text))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.console.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            self.console.append("log.%s: %s" % (e.get("level"), e.get("text")))
        self.events.append(msg)

    def call(self, method, params=None, session=True, timeout=STEP_TIMEOUT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.cmd_w, data)
            data = data[n:]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self._note(reply)

    def wait_event(self, name, timeout=STEP_TIMEOUT):
        for i, e in enumerate(self.events):
            if e.get("method") == name:
                del self.events[: i + 1]
                return e
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(deadline)
            self._note(msg)
            if msg.get("method") == name:
                self.events.clear()
                return msg

    def open_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        att = self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                        session=False)
        self.session = att["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def navigate(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("script failed: %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def type_into(self, selector, text):
        """Focuses the element and types text as keyboard input would."""
        if not self.js("(function(){var e=document.querySelector(%s); if(!e) return false;"
                       " e.focus(); return document.activeElement===e;})()" % json.dumps(selector)):
            raise RuntimeError("cannot focus %s" % selector)
        self.call("Input.insertText", {"text": text})

    def click(self, selector, navigates=True):
        """A real mouse click (press and release) at the element's centre."""
        box = self.js("(function(){var e=document.querySelector(%s); if(!e) return null;"
                      " e.scrollIntoView({block:'center'}); var r=e.getBoundingClientRect();"
                      " return [r.left+r.width/2, r.top+r.height/2];})()" % json.dumps(selector))
        if not box:
            raise RuntimeError("no element %s to click" % selector)
        self.events.clear()
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            ev = {"type": kind, "x": box[0], "y": box[1]}
            if kind != "mouseMoved":
                ev.update({"button": "left", "clickCount": 1})
            self.call("Input.dispatchMouseEvent", ev)
        if navigates:
            self.wait_event("Page.loadEventFired")

    def screenshot(self, path):
        shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))


# What each page is read for: its address, heading, text and a few counts.
PAGE_FACTS = """(function(){
  var h1 = document.querySelector('h1');
  return {
    url: location.pathname + location.search,
    h1: h1 ? h1.textContent : null,
    text: document.body ? document.body.innerText : '',
    scripts: document.scripts.length,
    svgs: document.querySelectorAll('svg').length,
    nav: document.querySelectorAll('header.top nav a').length,
    rows: document.querySelectorAll('table.list tbody tr').length,
    css_loaded: getComputedStyle(document.body).backgroundColor,
    pwned: window.vigilPwned === true
  };
})()"""


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, base, token, anomaly, person, out = sys.argv[1:]
    profile = os.path.join(out, "profile")
    os.makedirs(profile, exist_ok=True)
    result = {"steps": {}}
    b = Browser(chromium, profile)
    step = "start"
    try:
        b.call("Browser.getVersion", session=False)
        b.open_page()

        def visit(name, url=None):
            if url:
                b.navigate(base + url)
            facts = b.js(PAGE_FACTS)
            result["steps"][name] = facts
            b.screenshot(os.path.join(out, name + ".png"))
            return facts

        step = "login page"
        visit("login", "/ui/")
        step = "sign in"
        b.type_into("#token", token)
        b.click("#signin-token")
        visit("overview")
        step = "anomaly list"
        visit("anomalies", "/ui/anomalies")
        step = "open the anomaly"
        b.click('a[href="/ui/anomalies/%s"]' % anomaly)
        visit("anomaly")
        step = "triage"
        b.type_into("#note", "Checked with the line manager; a briefing copy.")
        b.type_into("#assignee", "Officer Ada")
        b.click("#do-acknowledge")
        facts = visit("triaged")
        facts["history"] = b.js("(function(){var t=document.getElementById('history');"
                                " return t ? t.innerText : null;})()")
        step = "dossier"
        visit("person", "/ui/persons/" + person)
        for name in ("risk", "vetting", "agents"):
            step = name
            visit(name, "/ui/" + name)
        step = "sign out"
        b.click("#signout")
        visit("signed_out")
        result["console"] = b.console
        result["completed"] = True
    except Exception as e:  # the reason goes to the shell test
        result["completed"] = False
        result["failed_step"] = step
        result["error"] = str(e)
        result["console"] = b.console
    finally:
        b.close()
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    if not result["completed"]:
        print("web_cdp: step '%s' failed: %s" % (step, result["error"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
