#!/usr/bin/env python3
"""CI's dependency audit: pip-audit against lock files, on PyPI's vulnerability data.

    python .ci/audit.py requirements/base.txt requirements/dev.txt

Exits 0 when every locked package was checked and none has a known vulnerability;
1 when one has (each is listed with its fix): CI fails; 3 when the audit could not run,
wholly or for some packages (the vulnerability service could not be reached, or did not
know them): it prints AUDIT NOT RUN and why, never "no known vulnerabilities".
"""

from __future__ import annotations

import json
import subprocess
import sys

VULNERABLE = 1
NOT_RUN = 3


def main(lock_files: list[str]) -> int:
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps"]
    command += ["--progress-spinner", "off", "--format", "json"]
    for lock_file in lock_files:
        command += ["--requirement", lock_file]
    audit = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        packages = json.loads(audit.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        return not_run(f"pip-audit gave no report:\n{audit.stderr.strip()}")
    vulnerable = [package for package in packages if package.get("vulns")]
    for package in vulnerable:
        for vulnerability in package["vulns"]:
            fixed = ", ".join(vulnerability["fix_versions"]) or "no fix yet"
            print(
                f"VULNERABLE {package['name']} {package['version']}: {vulnerability['id']} "
                f"(fixed in {fixed})"
            )
    if vulnerable:
        return VULNERABLE
    skipped = [package for package in packages if "skip_reason" in package]
    if skipped:
        return not_run(
            f"{len(skipped)} of {len(packages)} locked packages were not checked, "
            f"for example: {skipped[0]['skip_reason']}"
        )
    print(f"audit: no known vulnerabilities in {len(packages)} locked packages")
    return 0


def not_run(reason: str) -> int:
    for stream in (sys.stdout, sys.stderr):
        print(f"AUDIT NOT RUN: {reason}", file=stream)
    return NOT_RUN


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
