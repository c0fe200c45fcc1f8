#!/usr/bin/env python3
"""Compare mslint's Dockerfile rules with hadolint where their concerns overlap.

Usage:
    python3 scripts/compare-hadolint.py [--mslint PATH] [--hadolint PATH] [--summary] [--json]
                                        PATH [PATH ...]

PATH is a Dockerfile or a folder; folders are searched recursively for `Dockerfile`,
`Dockerfile.*`, `*.Dockerfile` and `*.dockerfile`. Each file is checked on its own by
`hadolint -f json FILE` and `mslint --format json --select DF001,...,DF010 FILE`, and every line
that one tool flags for an overlapping concern and the other does not is printed:

    <file>
      line 4 DL3007 only: Using latest is prone to errors ... (mapped to DF005 latest)
      line 9 DF009 only: `apt-get install` leaves the package lists ... (mapped to DL3009)

A "line" is the first line of the instruction: hadolint reports instructions, mslint reports the
word it means, which may sit on a continuation line or inside a heredoc.

Overlapping concerns (hadolint code -> mslint rule, and the kind of DF finding it matches):

    DL3006 image without a tag           -> DF005 (no tag, empty tag)
    DL3007 image tagged `latest`         -> DF005 (latest)
    DL3002 last USER is root             -> DF004 (USER root/0)
    DL3020 ADD for files and folders     -> DF007
    DL3009 apt lists not deleted         -> DF009 (apt lists)
    DL3015 no --no-install-recommends    -> DF009 (recommends)
    DL3019 apk add without --no-cache    -> DF009 (apk cache)
    DL3042 pip install without --no-cache-dir -> DF009 (pip cache)

Related but not the same concern, reported as co-occurrence counts only (never as
disagreements): DL4006 (a RUN pipe without `set -o pipefail`) and DF008 (a download piped into
a shell); DL3008 and DL3018 (package versions not pinned), which DF009 (caches) does not cover.

Options:
    --mslint PATH    mslint binary (default: target/debug/mslint next to this script's repo)
    --hadolint PATH  hadolint binary (default: `hadolint` on PATH)
    --summary        print only the counts
    --json           print the disagreements and counts as JSON

A file hadolint cannot parse (DL1000, e.g. a comment right after a heredoc) is listed and left
out of the counts.

Exit status: 0 when the tools agree everywhere, 1 when they disagree somewhere, 2 on errors.
Runs offline, uses the Python 3 standard library only, and is not part of `cargo test`.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SELECT = ",".join(f"DF{n:03}" for n in range(1, 11))

# hadolint code -> (mslint rule, kind). The kind of a DF finding is read from its message.
MAPPED = {
    "DL3006": ("DF005", "untagged"),
    "DL3007": ("DF005", "latest"),
    "DL3002": ("DF004", "root-user"),
    "DL3020": ("DF007", "add"),
    "DL3009": ("DF009", "apt-lists"),
    "DL3015": ("DF009", "recommends"),
    "DL3019": ("DF009", "apk-cache"),
    "DL3042": ("DF009", "pip-cache"),
}
# Related codes: counted, never reported as disagreements.
RELATED = {"DL4006": "DF008", "DL3008": "DF009", "DL3018": "DF009"}


def kind_of(rule, message):
    """The kind of an mslint finding, matching MAPPED's second field; None when unmapped."""
    if rule == "DF005":
        return "latest" if "`latest`" in message else "untagged"
    if rule == "DF004":
        # Only an explicit root USER overlaps DL3002; hadolint says nothing about a missing USER.
        return "root-user" if "switches to user" in message else "no-user"
    if rule == "DF007":
        return "add"
    if rule == "DF009":
        if "--no-install-recommends" in message:
            return "recommends"
        if "package lists" in message:
            return "apt-lists"
        if "`apk add`" in message:
            return "apk-cache"
        if "--no-cache-dir" in message:
            return "pip-cache"
    if rule == "DF008":
        return "pipe-to-shell"
    return None


def is_dockerfile(name):
    lower = name.lower()
    return lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile")


def collect(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(root, n) for n in sorted(names) if is_dockerfile(n))
        elif os.path.isfile(path):
            files.append(path)
        else:
            sys.exit(f"compare-hadolint: no such file or folder: {path}")
    return files


HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def instruction_starts(text):
    """Maps each 1-based line to the first line of the instruction that holds it.

    Follows the escape directive, line continuations (comments and blank lines inside them
    included) and heredocs, enough to attribute a finding inside a long RUN to its RUN line.
    """
    lines = text.split("\n")
    escape = "\\"
    for line in lines:
        match = re.match(r"\s*#\s*escape\s*=\s*(\S)", line, re.IGNORECASE)
        if match:
            escape = match.group(1)
            break
        if not re.match(r"\s*#\s*\w+\s*=", line):
            break
    starts = {}
    current = None  # first line of the instruction being read
    continued = False
    heredocs = []  # terminators still to read
    for number, line in enumerate(lines, 1):
        if heredocs:
            starts[number] = current
            body = line.lstrip("\t") if heredocs[0][0] else line
            if body.rstrip("\r") == heredocs[0][1]:
                heredocs.pop(0)
            continue
        stripped = line.strip()
        if not continued:
            if not stripped or stripped.startswith("#"):
                starts[number] = number
                continue
            current = number
        elif not stripped or stripped.startswith("#"):
            starts[number] = current
            continue
        starts[number] = current
        continued = line.rstrip().endswith(escape)
        if not continued:
            heredocs = [(dash == "-", name) for dash, _, name in HEREDOC.findall(line)]
        else:
            heredocs = []
    return starts


def run_json(argv):
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout or "null")


def compare_file(path, mslint, hadolint):
    """Returns (disagreements, agreements, related) for one file; None when hadolint cannot
    parse it (DL1000), since it then gives no verdict to compare."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        starts = instruction_starts(handle.read())
    start = lambda line: starts.get(line, line)  # noqa: E731

    hl = run_json([hadolint, "-f", "json", path]) or []
    if any(item["code"] == "DL1000" for item in hl):
        return None
    ms = (run_json([mslint, "--format", "json", "--exit-zero", "--select", SELECT, path]) or {})
    ms = ms.get("findings", [])

    # (line, rule, kind) -> message
    theirs = {}
    related_hl = {}
    for item in hl:
        code, line = item["code"], start(item["line"])
        if code in MAPPED:
            rule, kind = MAPPED[code]
            theirs.setdefault((line, rule, kind), (code, item["message"]))
        elif code in RELATED:
            related_hl.setdefault((line, code), item["message"])
    ours = {}
    for item in ms:
        rule, line = item["rule"], start(item["line"])
        kind = kind_of(rule, item["message"])
        if kind is not None:
            ours.setdefault((line, rule, kind), item["message"])

    reverse = {value: code for code, value in MAPPED.items()}
    disagreements, agreements = [], Counter()
    for key in sorted(set(theirs) | set(ours)):
        line, rule, kind = key
        code = theirs[key][0] if key in theirs else reverse.get((rule, kind))
        if code is None:
            continue  # an mslint finding with no hadolint counterpart (e.g. DF004 no USER)
        if key in theirs and key in ours:
            agreements[code] += 1
        elif key in theirs:
            disagreements.append({"line": line, "only": code, "mapped": f"{rule} {kind}",
                                  "message": theirs[key][1]})
        else:
            disagreements.append({"line": line, "only": rule, "mapped": code,
                                  "message": ours[key]})

    related = Counter()
    ours_lines = {(line, rule) for (line, rule, _) in ours}
    for (line, code) in related_hl:
        both = (line, RELATED[code]) in ours_lines
        related[(code, "both" if both else "hadolint only")] += 1
    hl_lines = {(line, RELATED[code]) for (line, code) in related_hl}
    for (line, rule, kind) in ours:
        if kind == "pipe-to-shell" and (line, rule) not in hl_lines:
            related[("DL4006", "mslint only")] += 1
    return disagreements, agreements, related


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--mslint", default=os.path.join(REPO, "target", "debug", "mslint"))
    parser.add_argument("--hadolint", default="hadolint")
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    files = collect(args.paths)
    report, agreements, disagreements, related = {}, Counter(), Counter(), Counter()
    unparsed = []
    try:
        for path in files:
            compared = compare_file(path, args.mslint, args.hadolint)
            if compared is None:
                unparsed.append(path)
                continue
            found, agreed, rel = compared
            agreements.update(agreed)
            related.update(rel)
            for item in found:
                mapped = item["mapped"] if item["only"].startswith("DL") else item["only"]
                code = item["only"] if item["only"].startswith("DL") else item["mapped"]
                side = "hadolint only" if item["only"].startswith("DL") else "mslint only"
                disagreements[(code, mapped.split()[0], side)] += 1
            if found:
                report[path] = found
    except (RuntimeError, json.JSONDecodeError, OSError) as error:
        print(f"compare-hadolint: {error}", file=sys.stderr)
        return 2

    if args.json:
        json.dump({
            "files": len(files),
            "hadolint_cannot_parse": unparsed,
            "agreements": dict(agreements),
            "disagreements": [{"code": c, "rule": r, "side": s, "count": n}
                              for (c, r, s), n in sorted(disagreements.items())],
            "related": [{"code": c, "rule": RELATED[c], "where": w, "count": n}
                        for (c, w), n in sorted(related.items())],
            "by_file": report,
        }, sys.stdout, indent=2)
        print()
    else:
        if not args.summary:
            for path, found in report.items():
                print(path)
                for item in found:
                    print(f"  line {item['line']} {item['only']} only: {item['message']}"
                          f" (mapped to {item['mapped']})")
        print(f"files: {len(files)}")
        for path in unparsed:
            print(f"  not compared, hadolint cannot parse it (DL1000): {path}")
        print(f"agreements: {sum(agreements.values())}  "
              + " ".join(f"{c}={n}" for c, n in sorted(agreements.items())))
        print(f"disagreements: {sum(disagreements.values())}")
        for (code, rule, side), n in sorted(disagreements.items()):
            print(f"  {code} <-> {rule}: {n} {side}")
        if related:
            print("related, not compared:")
            for (code, where), n in sorted(related.items()):
                print(f"  {code} ~ {RELATED[code]}: {n} {where}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
