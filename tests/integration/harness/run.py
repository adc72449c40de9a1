"""Running the smtpkit binary: bounded in time, output captured, sanitizer
reports turned into test failures (the ASan build must fail loudly, not
just print), and every --json output validated against the published
schema (man/smtpkit.schema.json, smtpkit-json(7)), so that no key changes
without the schema."""
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCHEMA = REPO / "man" / "smtpkit.schema.json"
SANITIZER_MARKS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "SUMMARY: UndefinedBehaviorSanitizer")


def binary() -> str:
    return os.environ.get("SMTPKIT") or str(REPO / "build" / "src" / "smtpkit")


_validator = None


def json_documents(text):
    """The documents of a --json output: one, or one per line (mx with
    several domains)."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as e:
        raise AssertionError("stdout is not JSON (%s):\n%s" % (e, text))


def validate_json(text):
    """Every document of a --json output against the schema; AssertionError
    naming each violation."""
    global _validator
    if _validator is None:
        import jsonschema                             # python3-jsonschema
        schema = json.loads(SCHEMA.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        _validator = jsonschema.Draft202012Validator(schema)
    for doc in json_documents(text):
        import jsonschema
        # The top level is oneOf the documents: name the closest one's faults.
        errors = [jsonschema.exceptions.best_match(e.context) if e.context else e
                  for e in _validator.iter_errors(doc)]
        if errors:
            raise AssertionError("--json output does not follow %s:\n%s\n--- document\n%s" % (
                SCHEMA.name,
                "\n".join("  at /%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:300])
                          for e in errors[:20]),
                json.dumps(doc, indent=1)[:6000]))
    return True


@dataclass
class Result:
    argv: list
    rc: int
    out: str
    err: str
    secs: float
    raw_out: bytes

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError("stdout is not one JSON document (%s):\n%s" % (e, self.out))

    def __str__(self):
        return ("$ %s\nexit %d after %.2fs\n--- stdout\n%s--- stderr\n%s"
                % (" ".join(self.argv), self.rc, self.secs, self.out, self.err))


def run(args, timeout=30, input=None, env=None) -> Result:
    """Run smtpkit with ARGS; the test fails if it outlives TIMEOUT seconds or
    the sanitizers report anything."""
    exe = binary()
    assert os.access(exe, os.X_OK), "smtpkit binary not found at %s (build it, or set SMTPKIT)" % exe
    argv = [exe] + [str(a) for a in args]
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e["LC_ALL"] = "C.UTF-8"
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()                                      # by PID: it is our child
        out, err = p.communicate()
        r = Result(argv, -9, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - t0, out)
        raise AssertionError("smtpkit still running after %ss, killed\n%s" % (timeout, r))
    r = Result(argv, p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
               time.monotonic() - t0, out)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "sanitizer report on stderr\n%s" % r
    if "--json" in argv and r.out.strip():
        try:
            validate_json(r.out)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, r))
    return r
