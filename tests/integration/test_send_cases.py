"""Runs every scripted `smtpkit send` case in send_cases/ twice, human output
and --json, through harness/case_runner.py (which lists the checks every
case gets); harness/send_cases.py has what the case files share."""
from pathlib import Path

from harness.case_runner import case_tests

test_send_case, test_send_case_json = case_tests(Path(__file__).parent / "send_cases")
