"""Helpers for smtpkit's integration tests: the binary runner, test certificates,
the scripted SMTP server and the real-server fixtures (aiosmtpd, Postfix)."""
