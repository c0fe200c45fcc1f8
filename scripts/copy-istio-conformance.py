#!/usr/bin/env python3
"""Copy the istioctl-analyze conformance cases that concern mslint's IST rules.

Usage:
    python3 scripts/copy-istio-conformance.py SOURCE [DEST]

SOURCE is a folder holding the upstream extract (README.md, cases.json, testdata/, LICENSE);
DEST defaults to tests/conformance/istio/ next to this script's repository. DEST is rebuilt
from scratch: cases.json keeps the cases of the analyzers listed in MAPPING below (every upstream
field of each kept case, in upstream order), testdata/ the input files those cases name (byte for
byte, same relative paths), LICENSE is copied unchanged and README.md is generated. The output
depends only on SOURCE: rerunning the script on the same input gives identical files.
"""

import json
import shutil
import sys
from pathlib import Path

# (analyzer, istioctl code) -> mslint rules. An analyzer is kept when at least one of its codes
# maps to a rule; its cases with other codes only (or none) are negative evidence for the mapped
# codes. Codes an analyzer can report that are absent here are out of scope (no IST rule).
MAPPING = {
    "authz.AuthorizationPoliciesAnalyzer": {
        "IST0127": ["IST019"],  # selector (or namespace-wide policy) matches no pod
        # IST0101 here = a `from.source.namespaces` entry naming no Namespace: no rule
    },
    "deployment.ApplicationUIDAnalyzer": {"IST0144": ["IST025"]},
    "deployment.ServiceAssociationAnalyzer": {"IST0116": ["IST027"], "IST0137": ["IST027"]},
    "destinationrule.CaCertificateAnalyzer": {"IST0128": ["IST018"], "IST0129": ["IST018"]},
    "destinationrule.PodNotSelectedAnalyzer": {"IST0173": ["IST021"], "IST0174": ["IST020"]},
    "gateway.ConflictingGatewayAnalyzer": {
        "IST0145": ["IST015"],
        # IST0101 here = the Gateway's selector is the selector of no Gateway's map key; see
        # README: it is not "matches no pod", so it has no rule
    },
    "gateway.IngressGatewayPortAnalyzer": {
        "IST0101": ["IST019"],  # gateway selector matches no pod
        "IST0162": ["IST022"],
    },
    "injection.Analyzer": {"IST0123": ["IST026"]},
    "schema.CollectionValidationAnalyzer(VirtualService)": {
        "IST0130": ["IST017"],
        "IST0131": ["IST017"],
    },
    "service.PortNameAnalyzer": {"IST0118": ["IST011"]},
    "sidecar.SelectorAnalyzer": {
        "IST0101": ["IST019"],  # workloadSelector matches no pod
        "IST0110": ["IST024"],
        "IST0111": ["IST024"],
    },
    "telemetry.SelectorAnalyzer": {
        "IST0101": ["IST019"],  # selector matches no pod
        "IST0159": ["IST024"],
    },
    "telemetry.DefaultSelectorAnalyzer": {"IST0160": ["IST024"]},
    "virtualservice.ConflictingMeshGatewayHostsAnalyzer": {"IST0109": ["IST014"]},
    "virtualservice.DestinationHostAnalyzer": {
        "IST0101": ["IST008", "IST016"],  # host (IST008) or host:port (IST016) not found
        "IST0112": ["IST016"],
    },
    "virtualservice.DestinationRuleAnalyzer": {"IST0101": ["IST007"]},  # subset not found
    "virtualservice.GatewayAnalyzer": {
        "IST0101": ["IST012"],  # gateway reference
        "IST0132": ["IST013"],
    },
    "virtualservice.JWTClaimRouteAnalyzer": {"IST0149": ["IST023"]},
}

# Codes mapped by the catalogue whose analyzer reports them under no other meaning.
NOTES = {
    "gateway.SecretAnalyzer": "IST0101 = credentialName Secret not found: no IST rule, dropped",
}


def fail(message):
    sys.stderr.write(f"copy-istio-conformance: {message}\n")
    sys.exit(2)


def main(argv):
    if len(argv) not in (2, 3):
        fail("usage: copy-istio-conformance.py SOURCE [DEST]")
    src = Path(argv[1])
    repo = Path(__file__).resolve().parent.parent
    dest = Path(argv[2]) if len(argv) == 3 else repo / "tests" / "conformance" / "istio"
    for need in ("cases.json", "testdata", "LICENSE"):
        if not (src / need).exists():
            fail(f"{src / need} is missing")

    upstream = json.loads((src / "cases.json").read_text(encoding="utf-8"))
    cases = [c for c in upstream["cases"] if c["analyzer"] in MAPPING]
    if not cases:
        fail("no case of a mapped analyzer")

    files = set()
    for case in cases:
        for key in ("input_files",):
            files.update(case[key])
        for key in ("mesh_config_file", "mesh_networks_file"):
            if case.get(key):
                files.add(case[key])
    for rel in sorted(files):
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts:
            fail(f"unsafe input path {rel!r}")
        if not (src / "testdata" / p).is_file():
            fail(f"input file {rel} is missing from {src / 'testdata'}")

    kept_analyzers = sorted({c["analyzer"] for c in cases})
    codes = sorted(
        {code for a in kept_analyzers for code in upstream["analyzers"][a]["codes"]}
        | {code for a in kept_analyzers for code in MAPPING[a]}
    )
    out = {
        "format": upstream["format"],
        "source": upstream["source"],
        "split": upstream.get("split"),
        "part": upstream.get("part"),
        "selection": "cases of the analyzers in `mapping`; all upstream fields kept",
        "mapping": {a: MAPPING[a] for a in sorted(MAPPING)},
        "messages": {k: v for k, v in sorted(upstream["messages"].items()) if k in codes},
        "analyzers": {a: upstream["analyzers"][a] for a in kept_analyzers},
        "cases": cases,
    }

    if dest.exists():
        shutil.rmtree(dest)
    (dest / "testdata").mkdir(parents=True)
    for rel in sorted(files):
        target = dest / "testdata" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / "testdata" / rel, target)
    shutil.copyfile(src / "LICENSE", dest / "LICENSE")
    (dest / "cases.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (dest / "README.md").write_text(readme(upstream, cases, files), encoding="utf-8")
    print(f"{len(cases)} cases, {len(files)} input files -> {dest}")
    for line in counts_table(cases):
        print(line)


def counts(cases):
    """(analyzer, code) -> [positive cases, negative cases]."""
    table = {}
    for a, codes in MAPPING.items():
        for code in codes:
            table[(a, code)] = [0, 0]
    for case in cases:
        reported = {e["code"] for e in case["expected"]}
        for code in MAPPING[case["analyzer"]]:
            table[(case["analyzer"], code)][0 if code in reported else 1] += 1
    return table


def counts_table(cases):
    rows = ["| analyzer | code | mslint rules | positive cases | negative cases |", "|---|---|---|---|---|"]
    for (a, code), (pos, neg) in sorted(counts(cases).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rows.append(f"| {a} | {code} | {', '.join(MAPPING[a][code])} | {pos} | {neg} |")
    return rows


def readme(upstream, cases, files):
    s = upstream["source"]
    table = "\n".join(counts_table(cases))
    analyzers = sorted({c["analyzer"] for c in cases})
    absent = sorted(set(MAPPING) - set(analyzers))
    return f"""# istioctl analyze conformance cases (IST rules)

Generated by `scripts/copy-istio-conformance.py`; do not edit by hand, rerun the script.

Source: [{s['repository']}](https://github.com/{s['repository']}) at commit `{s['commit']}`,
path `{s['testdata']}/` (the input files) and `{s['test_file']}` (the cases: analyzer, inputs,
expected messages), message catalogue `{s['messages_file']}`. This is the "{upstream.get('part')}"
part of the upstream cases (split: {upstream.get('split')}).

Licence: {s['license']}, see `LICENSE` (copied unchanged). The input files under `testdata/` are
unchanged copies at their upstream relative paths.

## What is here
- `cases.json`: the {len(cases)} upstream cases whose analyzer can report a code that maps to an
  mslint rule, every upstream field kept (`name`, `analyzer`, `input_files` relative to
  `testdata/`, `mesh_config_file`, `skip_all`, `expected` = code, type, kind, namespace (empty =
  `default`), name). Also `mapping` (below), and the upstream `messages`/`analyzers` entries of
  the kept analyzers.
- `testdata/`: the {len(files)} input files those cases name.

A case is evidence only for the codes its own analyzer can report: a mapped code that a case of
that analyzer does not expect is a negative case for that code (the analyzer must not report it
on those files), and an empty `expected` is negative for all the analyzer's codes.

## Code → rule mapping
IST0101 (ReferencedResourceNotFound) means a different thing in each analyzer, so the mapping is
per (analyzer, code):

{table}

Positive = the case expects that code at least once; negative = the case runs that analyzer and
does not expect that code. Counts are cases, not messages.

Analyzers mapped but with no case in this part: {', '.join(absent) if absent else 'none'}.

Not kept (no mslint rule for what the code means there):
- `gateway.SecretAnalyzer`: its IST0101 is a Gateway `credentialName` naming no Secret.
- `authz.AuthorizationPoliciesAnalyzer` IST0101: a `from.source.namespaces`/`notNamespaces`
  entry naming no Namespace (the analyzer is kept for IST0127).
- `gateway.ConflictingGatewayAnalyzer` IST0101: the Gateway's selector string is a substring of
  no `selector~port` key built from the Gateway servers; since every Gateway with servers adds its
  own key it only fires for a Gateway without servers (not a pod-selector check; kept for IST0145).
- `injection.Analyzer` IST0102/IST0103 (namespace/pod not injected) are not IST010 (injection
  explicitly disabled); only IST0123 maps (IST026).
- Codes of other analyzers (annotations, EnvoyFilter, telemetry providers, ServiceEntry
  addresses, multicluster, external control plane…): no IST rule.

## Reading the cases: what upstream adds to the files
istioctl's test harness (like `istioctl analyze` on files) adds default resources before it runs
an analyzer (`AddDefaultResources`, pkg/config/analysis/local): a Pod
`istio-ingressgateway-dummypod` labelled `istio: ingressgateway` with an `istio-proxy` container
and a Service `istio-ingressgateway` selecting it (TCP ports 80, 443, 31400, 15443, targetPort =
port), both in `istio-system`. Cases such as `gatewayBadPort` (no Pod in the file, IST0162 and
not IST0101) and `virtualServiceJWTClaimRoute` (IST0149 against that Pod) depend on them. A
conformance test must add the same two objects to every case's files, or list the difference.
"""


if __name__ == "__main__":
    main(sys.argv)
