#!/usr/bin/env python3
"""Copy the KICS conformance cases that tests/conformance.rs uses into the repository.

Usage:
    python3 scripts/copy-kics-conformance.py SOURCE [DEST]

SOURCE is a KICS case extract (README.md, LICENSE, <platform>/<query>/...); DEST defaults to
tests/conformance/kics/ of this repository and is rebuilt from scratch. Only the query folders
that `MAPPINGS` in tests/conformance.rs names are copied, byte for byte at the same paths, with
the upstream LICENSE and README.md (whose source commit and attribution apply unchanged).
"""

import re
import shutil
import sys
from pathlib import Path

repo = Path(__file__).resolve().parent.parent
source = Path(sys.argv[1])
dest = Path(sys.argv[2]) if len(sys.argv) > 2 else repo / "tests/conformance/kics"
test = (repo / "tests/conformance.rs").read_text()
queries = sorted(set(re.findall(r'map\(\s*"([^"]+)"', test)))
if dest.exists():
    shutil.rmtree(dest)
dest.mkdir(parents=True)
for name in ("LICENSE", "README.md"):
    shutil.copy2(source / name, dest / name)
for query in queries:
    shutil.copytree(source / query, dest / query)
print(f"copied {len(queries)} queries into {dest}")
