"""Runs every scripted ehlo case in cases/ twice, human output and --json,
through harness/case_runner.py (which lists the checks every case gets)."""
from pathlib import Path

from harness.case_runner import case_tests

test_case, test_case_json = case_tests(Path(__file__).parent / "cases")
