#!/usr/bin/python3
"""Prints the DOM of a page loaded in headless Chromium with JavaScript
off. Chromium's own --dump-dom needs JavaScript to serialise the page, so
this asks through the DevTools protocol instead (python3-websocket):
Emulation.setScriptExecutionDisabled, Page.navigate, DOM.getOuterHTML.

Usage: dom_without_js.py CHROMIUM PROFILE_DIR URL
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

import websocket

TIMEOUT = 30


def wait_for_port(path):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if os.path.exists(path):
            lines = open(path).read().split()
            if lines:
                return lines[0]
        time.sleep(0.1)
    sys.exit("dom_without_js: Chromium did not open its DevTools port")


class Page:
    def __init__(self, port):
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=TIMEOUT))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=TIMEOUT)
        self.last_id = 0

    def call(self, method, **params):
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.last_id:
                if "error" in message:
                    sys.exit(f"dom_without_js: {method}: {message['error']}")
                return message.get("result", {})

    def wait_event(self, method):
        while json.loads(self.ws.recv()).get("method") != method:
            pass


def main():
    chromium, profile, url = sys.argv[1:4]
    port_file = os.path.join(profile, "DevToolsActivePort")
    if os.path.exists(port_file):
        os.unlink(port_file)   # a previous run's: its port is closed
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                "--no-first-run", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = Page(wait_for_port(port_file))
        page.call("Page.enable")
        page.call("Emulation.setScriptExecutionDisabled", value=True)
        page.call("Page.navigate", url=url)
        page.wait_event("Page.loadEventFired")
        root = page.call("DOM.getDocument", depth=-1)["root"]
        print(page.call("DOM.getOuterHTML", nodeId=root["nodeId"])["outerHTML"])
    finally:
        browser.terminate()
        browser.wait(timeout=TIMEOUT)


if __name__ == "__main__":
    main()
