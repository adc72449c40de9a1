"""Runs every scripted ehlo case in cases/ twice, human output and --json,
through harness/case_runner.py (which lists the checks every case gets)."""
from pathlib import Path

import pytest

from harness.case_runner import load_cases, run_case

CASES = load_cases(Path(__file__).parent / "cases")


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name, smtpkit, scripted, pki, tmp_path):
    run_case(CASES[name], smtpkit, scripted, pki, tmp_path)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_json(name, smtpkit, scripted, pki, tmp_path):
    run_case(CASES[name], smtpkit, scripted, pki, tmp_path, json_out=True)
