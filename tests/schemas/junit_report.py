"""Reads mslint's JUnit report with junitparser, as CI servers' JUnit readers do, and checks it
against the JSON report of the same run: one failing test case per finding, at its path.

Usage: python3 junit_report.py REPORT.xml REPORT.json
"""
import json
import sys

from junitparser import Failure, JUnitXml

xml = JUnitXml.fromfile(sys.argv[1])
findings = json.load(open(sys.argv[2]))["findings"]
cases = [(suite.name, case) for suite in xml for case in suite]
failing = [(name, case) for name, case in cases if any(isinstance(r, Failure) for r in case.result)]
assert len(failing) == len(findings), f"{len(failing)} failing test cases for {len(findings)} findings"
for (suite, case), finding in zip(failing, findings):
    assert suite == finding["path"], (suite, finding["path"])
    assert case.name.startswith(finding["rule"] + " "), (case.name, finding["rule"])
    failure = next(r for r in case.result if isinstance(r, Failure))
    assert failure.message == finding["message"], (failure.message, finding["message"])
    assert failure.type == finding["severity"]
if not findings:
    assert len(cases) == 1 and not cases[0][1].result, "a clean run is one passing test case"
print(f"JUnit report read: {len(cases)} test cases, {len(failing)} failing")
