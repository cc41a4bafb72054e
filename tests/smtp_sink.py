#!/usr/bin/env python3
"""A small SMTP server for tests: records every message, answers on cue.

Usage: smtp_sink.py --port-file FILE --out FILE.jsonl [--script CODES]
                    [--auth USER:PASS]

Listens on 127.0.0.1 on a free port and writes the port number to
--port-file (via a rename, so a reader never sees half of it) once it
accepts connections. Runs until SIGTERM or SIGINT, then exits 0.

It speaks the ESMTP libcurl's and smtplib's clients use: EHLO (8BITMIME,
SMTPUTF8, SIZE, and AUTH PLAIN LOGIN when --auth is given), HELO, MAIL,
RCPT, DATA, RSET, NOOP, QUIT, AUTH PLAIN and AUTH LOGIN. No STARTTLS.
With --auth, MAIL before a successful AUTH gets 530 and bad credentials 535.
Unknown commands get 502.

--script 451,421,250,554 gives the replies to the end of DATA of the
successive messages (across connections); once it is used up every message
gets 250. A 421 also closes the connection, as a real server would.

Each completed DATA, whatever was answered, appends one line to --out:
  {"mail_from": "a@b", "rcpt_to": ["c@d"], "data": "<message, CRLF kept,
   dot-stuffing undone>", "code": 250, "auth": "USER" or null}

Python 3 standard library only (smtpd and asyncore are gone in 3.12).
"""

import argparse
import base64
import binascii
import json
import os
import re
import signal
import socketserver
import sys
import threading

HOSTNAME = "smtp-sink"
MAX_SIZE = 10 * 1024 * 1024
MAX_LINE = 1 << 20

DATA_REPLIES = {
    250: "2.0.0 Ok: queued",
    421: "4.3.2 Service shutting down, closing channel",
    450: "4.2.0 Mailbox unavailable",
    451: "4.3.0 try again later",
    452: "4.3.1 Insufficient system storage",
    550: "5.1.1 Mailbox unavailable",
    552: "5.3.4 Message too big",
    554: "5.7.1 rejected",
}
CLASS_REPLIES = {2: "2.0.0 Ok", 4: "4.0.0 Temporary failure", 5: "5.0.0 Permanent failure"}

MAIL_RE = re.compile(r"^MAIL FROM:\s*<([^>]*)>(\s+.*)?$", re.IGNORECASE)
RCPT_RE = re.compile(r"^RCPT TO:\s*<([^>]*)>(\s+.*)?$", re.IGNORECASE)


class Sink:
    """What the connections share: the reply script, the output, the login."""

    def __init__(self, out_path, script, auth):
        self.out = open(out_path, "a", encoding="utf-8")
        self.script = list(script)
        self.auth = auth
        self.lock = threading.Lock()

    def next_code(self):
        with self.lock:
            return self.script.pop(0) if self.script else 250

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock:
            if self.out.closed:     # a session still running at shutdown
                return
            self.out.write(line + "\n")
            self.out.flush()

    def close(self):
        with self.lock:
            self.out.close()


class Disconnected(Exception):
    """The client went away; not an error."""


class Session(socketserver.StreamRequestHandler):
    """One SMTP connection."""

    def setup(self):
        super().setup()
        self.sink = self.server.sink
        self.user = None
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpt_to = []

    def reply(self, code, text):
        self.wfile.write(f"{code} {text}\r\n".encode("utf-8"))
        self.wfile.flush()

    def read_line(self):
        line = self.rfile.readline(MAX_LINE)
        if not line:
            raise Disconnected()
        return line

    def handle(self):
        try:
            self.reply(220, f"{HOSTNAME} ESMTP ready")
            while self.command(self.read_line().decode("utf-8", "replace").rstrip("\r\n")):
                pass
        except (Disconnected, ConnectionError, TimeoutError):
            pass

    def command(self, line):
        """Answers one command line; False ends the session."""
        verb, _, arg = line.partition(" ")
        handler = getattr(self, "do_" + verb.upper(), None) if verb.isalpha() else None
        if handler is None:
            self.reply(502, "5.5.2 Error: command not recognized")
            return True
        return handler(arg.strip(), line) is not False

    def do_EHLO(self, arg, line):
        self.reset()
        lines = [f"{HOSTNAME} greets {arg or 'you'}", "8BITMIME", "SMTPUTF8", f"SIZE {MAX_SIZE}"]
        if self.sink.auth:
            lines.append("AUTH PLAIN LOGIN")
        out = "".join(f"250-{text}\r\n" for text in lines[:-1]) + f"250 {lines[-1]}\r\n"
        self.wfile.write(out.encode("utf-8"))
        self.wfile.flush()

    def do_HELO(self, arg, line):
        self.reset()
        self.reply(250, HOSTNAME)

    def do_MAIL(self, arg, line):
        m = MAIL_RE.match(line)
        if not m:
            self.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
        elif self.sink.auth and self.user is None:
            self.reply(530, "5.7.0 Authentication required")
        elif self.mail_from is not None:
            self.reply(503, "5.5.1 Error: nested MAIL command")
        else:
            # SIZE=, BODY=8BITMIME, SMTPUTF8 and the like are accepted as is
            self.mail_from = m.group(1)
            self.reply(250, "2.1.0 Ok")

    def do_RCPT(self, arg, line):
        m = RCPT_RE.match(line)
        if self.mail_from is None:
            self.reply(503, "5.5.1 Error: need MAIL command")
        elif not m:
            self.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
        else:
            self.rcpt_to.append(m.group(1))
            self.reply(250, "2.1.5 Ok")

    def do_DATA(self, arg, line):
        if not self.rcpt_to:
            self.reply(503, "5.5.1 Error: need RCPT command")
            return True
        self.reply(354, "End data with <CR><LF>.<CR><LF>")
        data = self.read_data()
        code = self.sink.next_code()
        self.sink.record({"mail_from": self.mail_from, "rcpt_to": self.rcpt_to,
                          "data": data.decode("utf-8", "replace"), "code": code, "auth": self.user})
        self.reset()
        self.reply(code, DATA_REPLIES.get(code, CLASS_REPLIES.get(code // 100, "Ok")))
        return code != 421

    def read_data(self):
        """The message up to CRLF.CRLF; the CRLF before the dot is the last
        line's own."""
        lines = []
        while True:
            line = self.read_line()
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b".") else line)

    def do_RSET(self, arg, line):
        self.reset()
        self.reply(250, "2.0.0 Ok")

    def do_NOOP(self, arg, line):
        self.reply(250, "2.0.0 Ok")

    def do_QUIT(self, arg, line):
        self.reply(221, "2.0.0 Bye")
        return False

    def do_AUTH(self, arg, line):
        if not self.sink.auth:
            self.reply(502, "5.5.1 Error: authentication not enabled")
            return True
        if self.user is not None:
            self.reply(503, "5.5.1 Error: already authenticated")
            return True
        mechanism, _, initial = arg.partition(" ")
        login = {"PLAIN": self.auth_plain, "LOGIN": self.auth_login}.get(mechanism.upper())
        if login is None:
            self.reply(504, "5.5.4 Unrecognized authentication type")
            return True
        try:
            creds = login(initial.strip())
        except (binascii.Error, UnicodeDecodeError, ValueError):
            self.reply(501, "5.5.2 Cannot decode response")
            return True
        if creds is None:
            self.reply(501, "5.7.0 Authentication cancelled")
        elif creds == self.sink.auth:
            self.user = creds[0]
            self.reply(235, "2.7.0 Authentication successful")
        else:
            self.reply(535, "5.7.8 Authentication credentials invalid")
        return True

    def challenge(self, prompt):
        """A 334 continuation: the decoded answer, None if cancelled ("*")."""
        self.reply(334, base64.b64encode(prompt.encode()).decode() if prompt else "")
        answer = self.read_line().decode("ascii").strip()
        return None if answer == "*" else decode64(answer)

    def auth_plain(self, initial):
        text = decode64(initial) if initial else self.challenge("")
        if text is None:
            return None
        _authzid, user, password = text.split("\0")
        return (user, password)

    def auth_login(self, initial):
        user = decode64(initial) if initial else self.challenge("Username:")
        if user is None:
            return None
        password = self.challenge("Password:")
        return None if password is None else (user, password)


def decode64(text):
    """RFC 4954: "=" is an empty initial response."""
    return "" if text == "=" else base64.b64decode(text, validate=True).decode("utf-8")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True        # a client left hanging must not block exit
    block_on_close = False


def parse_script(text):
    codes = [int(c) for c in text.split(",") if c.strip()] if text else []
    if any(not 200 <= c <= 599 for c in codes):
        raise argparse.ArgumentTypeError("reply codes must be 200..599")
    return codes


def parse_auth(text):
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise argparse.ArgumentTypeError("expected USER:PASS")
    return (user, password)


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests.")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--script", type=parse_script, default=[])
    ap.add_argument("--auth", type=parse_auth)
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = Server(("127.0.0.1", 0), Session)
    server.sink = Sink(args.out, args.script, args.auth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write_port(args.port_file, server.server_address[1])
    # serve_forever runs in a thread because shutdown() would deadlock
    # when called from a signal handler in the serving thread
    while not stop.wait(1):
        pass
    server.shutdown()
    server.server_close()
    server.sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
