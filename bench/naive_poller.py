#!/usr/bin/env python3
"""The peer baseline of bench/peers.sh: the poller a team writes first.

Standard library only. Lists the live experiments of a project through the
Mida API (v2), fetches each result in turn with urllib (a new connection
per request), runs a two-proportion z-test of each variant against the
control, and keeps nothing. Prints one JSON line with what it counted.

Usage: naive_poller.py BASE_URL PROJECT_KEY API_KEY
"""
import json
import math
import sys
import urllib.request

PAGE = 500  # the documented maximum of List Experiments


def get(base, project, key, path):
    request = urllib.request.Request(f"{base}/project/{project}/{path}",
                                     headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def z_test_p(control, variant):
    """Two-sided p of the pooled two-proportion z-test, or None."""
    n1, c1 = control.get("visitors") or 0, control.get("conversions") or 0
    n2, c2 = variant.get("visitors") or 0, variant.get("conversions") or 0
    if n1 == 0 or n2 == 0:
        return None
    pooled = (c1 + c2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    z = (c2 / n2 - c1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


def main():
    base, project, key = sys.argv[1:4]
    live, offset = [], 0
    while True:
        page = get(base, project, key, f"experiments?limit={PAGE}&offset={offset}")
        experiments = page.get("experiments", [])
        live += [x["test_id"] for x in experiments if x.get("status") == 1]
        if len(experiments) < PAGE:
            break
        offset += PAGE
    significant = 0
    for test_id in live:
        result = get(base, project, key, f"experiment/{test_id}/result")
        variants = result.get("variants", [])
        control = next((v for v in variants if v.get("is_control")), None)
        for variant in variants:
            if control is None or variant is control:
                continue
            p = z_test_p(control, variant)
            significant += p is not None and p < 0.05
    print(json.dumps({"experiments": len(live), "significant_variants": significant}))


if __name__ == "__main__":
    main()
