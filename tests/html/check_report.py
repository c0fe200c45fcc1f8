"""Opens mslint's HTML report in headless Chromium and checks it as a reader would: the page
loads without console errors, the matrix shows the counts the JSON report implies, and the
filters change which findings are shown.

Usage: python3 check_report.py REPORT.html REPORT.json
Needs Debian's chromium and chromium-driver, and selenium.
"""
import json
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

page = pathlib.Path(sys.argv[1]).resolve()
findings = json.load(open(sys.argv[2]))["findings"]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(page.as_uri())
    problems = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert not problems, f"console messages: {problems}"

    def shown():
        visible = [a for a in driver.find_elements(By.CSS_SELECTOR, ".finding") if a.is_displayed()]
        counter = int(driver.find_element(By.ID, "shown").text)
        assert counter == len(visible), (counter, len(visible))
        return visible

    assert len(shown()) == len(findings), "every finding is shown at first"
    for severity in ("error", "warning", "note"):
        expected = sum(1 for f in findings if f["severity"] == severity)
        assert int(driver.find_element(By.ID, severity + "s").text) == expected, severity

    # The namespace row of the matrix counts the probe findings of its workloads.
    probes = [f for f in findings if f["rule"] in ("K8S001", "K8S002", "K8S019")]
    row = driver.find_element(By.CSS_SELECTOR, "#namespaces tbody tr")
    cells = row.find_elements(By.TAG_NAME, "td")
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#namespaces thead th")][1:]
    probe_cell = cells[headings.index("probes")].text
    assert probe_cell.endswith(f" {len(probes)}") if probes else probe_cell == "✅", probe_cell

    # Unticking warnings hides them; choosing an area shows only its findings.
    driver.find_element(By.CSS_SELECTOR, "input[name=severity][value=warning]").click()
    without_warnings = shown()
    assert len(without_warnings) == sum(1 for f in findings if f["severity"] != "warning")
    assert all(a.get_attribute("data-severity") != "warning" for a in without_warnings)
    Select(driver.find_element(By.ID, "area")).select_by_value("probes")
    only_probes = shown()
    assert len(only_probes) == sum(1 for f in probes if f["severity"] != "warning")
    assert all(a.get_attribute("data-area") == "probes" for a in only_probes)
    print(f"HTML report checked in Chromium: {len(findings)} findings, filters work")
finally:
    driver.quit()
