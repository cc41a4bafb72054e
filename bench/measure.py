#!/usr/bin/env python3
"""Runs a command and prints one JSON line: its wall time, CPU (user +
system, of it and its children) and peak RSS, from wait4's rusage. The
command's output goes to /dev/null; its exit status is this one's.

Usage: measure.py COMMAND [ARGS...]
"""
import json
import os
import subprocess
import sys
import time


def main():
    start = time.monotonic()
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"wall_seconds": round(wall, 3),
                      "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
                      "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                      "exit": child.returncode}))
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
