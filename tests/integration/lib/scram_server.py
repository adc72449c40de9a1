"""The server side of SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677), without
channel binding, for integration tests: hashlib and hmac only.

ScramServer works on SCRAM messages (bytes, not base64); smtp_auth_scram()
runs the SMTP AUTH exchange (RFC 4954) over two line callables.  Knobs make
the faults a client must catch: a nonce that does not extend the client's,
a forged server signature, an e= error instead of server-final.

    python3 scram_server.py     # self-check against the RFC test vectors
"""
import base64
import hashlib
import hmac
import os

__all__ = ["ScramError", "ScramServer", "smtp_auth_scram", "client_proof"]

HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}


class ScramError(Exception):
    """The client broke the protocol or failed to prove the password; str()
    is the RFC 5802 7 server-error-value to send as e=."""


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(text):
    return base64.b64decode(text, validate=True)


def _saslname_decode(name):
    """RFC 5802 5.1: "=2C" is ',', "=3D" is '=', any other '=' is an error."""
    out, i = [], 0
    while i < len(name):
        if name[i] == "=":
            code = name[i:i + 3]
            if code == "=2C":
                out.append(",")
            elif code == "=3D":
                out.append("=")
            else:
                raise ScramError("invalid-username-encoding")
            i += 3
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


def _attrs(msg):
    """Split "a=x,b=y" into [(a, x), (b, y)]; values may contain '='."""
    out = []
    for part in msg.split(","):
        if len(part) < 2 or part[1] != "=":
            raise ScramError("other-error")
        out.append((part[0], part[2:]))
    return out


def salted_password(hash_name, password, salt, iterations):
    """RFC 5802 3: Hi(Normalize(password), salt, i) is PBKDF2 with HMAC."""
    return hashlib.pbkdf2_hmac(hash_name, password.encode("utf-8"), salt, iterations)


def client_proof(mechanism, password, salt, iterations, auth_message):
    """What an honest client sends as p= (base64), for tests of this module."""
    h = HASHES[mechanism]
    sp = salted_password(h, password, salt, iterations)
    client_key = hmac.new(sp, b"Client Key", h).digest()
    stored_key = hashlib.new(h, client_key).digest()
    signature = hmac.new(stored_key, auth_message.encode("utf-8"), h).digest()
    return _b64(bytes(a ^ b for a, b in zip(client_key, signature)))


class ScramServer:
    """One SCRAM exchange as the server.

    server_first(client_first) -> server-first message
    server_final(client_final) -> server-final message ("v=..." or "e=...");
        afterwards .authenticated says whether the client proved the password.

    bad_nonce: answer with a nonce that does not start with the client's.
    bad_signature: send a v= that is one bit off.
    error: send "e=ERROR" in place of the verifier, whatever the proof.
    """

    def __init__(self, mechanism, username, password, salt, iterations,
                 server_nonce=None, bad_nonce=False, bad_signature=False, error=None):
        if mechanism not in HASHES:
            raise ValueError("unsupported mechanism " + mechanism)
        self.mechanism = mechanism
        self.hash = HASHES[mechanism]
        self.username = username
        self.salt = salt
        self.iterations = iterations
        self.server_nonce = server_nonce or _b64(os.urandom(18))
        self.bad_nonce = bad_nonce
        self.bad_signature = bad_signature
        self.error = error
        # The server stores StoredKey and ServerKey, not the password (RFC 5802 3).
        sp = salted_password(self.hash, password, salt, iterations)
        client_key = hmac.new(sp, b"Client Key", self.hash).digest()
        self.stored_key = hashlib.new(self.hash, client_key).digest()
        self.server_key = hmac.new(sp, b"Server Key", self.hash).digest()
        self.client_first_bare = None
        self.gs2_header = None
        self.server_first_msg = None
        self.nonce = None
        self.authenticated = False
        self.received_username = None

    def server_first(self, client_first):
        """Parse client-first-message (RFC 5802 7); return server-first."""
        msg = client_first.decode("utf-8") if isinstance(client_first, bytes) else client_first
        # gs2-header: "n" (no channel binding) or "y"; "p=" is refused since
        # this server offers no -PLUS variant.
        parts = msg.split(",", 2)
        if len(parts) != 3:
            raise ScramError("other-error")
        cbind, authzid, bare = parts
        if cbind.startswith("p="):
            raise ScramError("server-does-support-channel-binding")
        if cbind not in ("n", "y"):
            raise ScramError("other-error")
        if authzid and not authzid.startswith("a="):
            raise ScramError("other-error")
        attrs = _attrs(bare)
        if attrs and attrs[0][0] == "m":
            raise ScramError("extensions-not-supported")
        if len(attrs) < 2 or attrs[0][0] != "n" or attrs[1][0] != "r" or not attrs[1][1]:
            raise ScramError("other-error")
        self.received_username = _saslname_decode(attrs[0][1])
        if self.received_username != self.username:
            raise ScramError("unknown-user")
        client_nonce = attrs[1][1]
        self.client_first_bare = bare
        # RFC 5802 7: c= echoes the gs2 header, binding it to the proof.
        self.gs2_header = (cbind + "," + authzid + ",").encode("utf-8")
        if self.bad_nonce:
            self.nonce = "X" + client_nonce[1:] + self.server_nonce
        else:
            self.nonce = client_nonce + self.server_nonce
        self.server_first_msg = "r=%s,s=%s,i=%d" % (self.nonce, _b64(self.salt), self.iterations)
        return self.server_first_msg.encode("utf-8")

    def server_final(self, client_final):
        """Check client-final-message (RFC 5802 7); return server-final."""
        msg = client_final.decode("utf-8") if isinstance(client_final, bytes) else client_final
        if self.error:
            return ("e=" + self.error).encode("utf-8")
        try:
            without_proof, proof_attr = msg.rsplit(",p=", 1)
            attrs = _attrs(without_proof)
            if len(attrs) < 2 or attrs[0][0] != "c" or attrs[1][0] != "r":
                raise ScramError("other-error")
            if _unb64(attrs[0][1]) != self.gs2_header:
                raise ScramError("channel-bindings-dont-match")
            if attrs[1][1] != self.nonce:
                raise ScramError("other-error")
            proof = _unb64(proof_attr)
        except ValueError:                      # binascii.Error included
            return b"e=other-error"
        except ScramError as exc:
            return ("e=" + str(exc)).encode("utf-8")
        auth_message = ",".join((self.client_first_bare, self.server_first_msg, without_proof))
        signature = hmac.new(self.stored_key, auth_message.encode("utf-8"), self.hash).digest()
        if len(proof) != len(signature):
            return b"e=invalid-proof"
        client_key = bytes(a ^ b for a, b in zip(proof, signature))
        if not hmac.compare_digest(hashlib.new(self.hash, client_key).digest(), self.stored_key):
            return b"e=invalid-proof"
        self.authenticated = True
        verifier = bytearray(hmac.new(self.server_key, auth_message.encode("utf-8"), self.hash).digest())
        if self.bad_signature:
            verifier[-1] ^= 1
        return ("v=" + _b64(bytes(verifier))).encode("utf-8")


def smtp_auth_scram(initial_response, read_line, write_line, **server_args):
    """Serve "AUTH SCRAM-SHA-x [initial]" (RFC 4954 4) after the AUTH line.

    initial_response: the base64 text after the mechanism, or None (then a
    "334 " empty challenge asks for it).  read_line() returns the client's
    next line as str without CRLF; write_line(str) sends one without CRLF.
    server_args go to ScramServer.  Returns the ScramServer, whose
    .authenticated says how it ended; "235" or "535" has been written.
    """
    srv = ScramServer(**server_args)

    def client_line():
        line = read_line()
        if line == "*":                         # RFC 4954 4: client cancels
            raise ScramError("cancelled")
        return _unb64(line)

    try:
        if initial_response is None:
            write_line("334 ")
            client_first = client_line()
        else:
            client_first = _unb64(initial_response)
        write_line("334 " + _b64(srv.server_first(client_first)))
        final = srv.server_final(client_line())
        if not srv.authenticated or final.startswith(b"e="):
            # RFC 5802 server-error: sent as a challenge, then the failure.
            write_line("334 " + _b64(final))
            client_line()
            write_line("535 5.7.8 Authentication credentials invalid")
            return srv
        # RFC 4954 4: additional data with success goes in a 334 challenge.
        write_line("334 " + _b64(final))
        if client_line() != b"":
            srv.authenticated = False
            write_line("535 5.7.8 Expected an empty response")
            return srv
        write_line("235 2.7.0 Authentication successful")
    except ScramError as exc:
        srv.authenticated = False
        if str(exc) == "cancelled":
            write_line("501 5.7.0 Authentication cancelled")
        else:
            write_line("535 5.7.8 Authentication failed: " + str(exc))
    except (ValueError, UnicodeDecodeError):
        srv.authenticated = False
        write_line("501 5.5.2 Cannot decode response")
    return srv


def _self_check():
    vectors = [
        # RFC 5802 5
        ("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j", "QSXCR+Q6sek8bf92",
         "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ="),
        # RFC 7677 3
        ("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
         "W22ZaJ0SNY7soEsUEjb6gQ==", "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
         "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
    ]
    for mech, cnonce, snonce, salt, proof, verifier in vectors:
        srv = ScramServer(mech, "user", "pencil", _unb64(salt), 4096, server_nonce=snonce)
        first = srv.server_first(b"n,,n=user,r=" + cnonce.encode())
        assert first == ("r=%s%s,s=%s,i=4096" % (cnonce, snonce, salt)).encode(), first
        without_proof = "c=biws,r=" + cnonce + snonce
        auth_message = "n=user,r=%s,%s,%s" % (cnonce, first.decode(), without_proof)
        assert client_proof(mech, "pencil", _unb64(salt), 4096, auth_message) == proof
        final = srv.server_final((without_proof + ",p=" + proof).encode())
        assert final == ("v=" + verifier).encode(), final
        assert srv.authenticated

        wrong = ScramServer(mech, "user", "pencil", _unb64(salt), 4096, server_nonce=snonce)
        wrong.server_first(b"n,,n=user,r=" + cnonce.encode())
        bad = proof[:-2] + ("A" if proof[-2] != "A" else "B") + proof[-1]
        assert wrong.server_final((without_proof + ",p=" + bad).encode()) == b"e=invalid-proof"
        assert not wrong.authenticated

    # The SMTP exchange end to end, with an honest client computed here.
    salt = b"0123456789abcdef"
    for mech in HASHES:
        lines_out, lines_in = [], []

        def write_line(s, out=lines_out):
            out.append(s)

        def read_line(lines=lines_in, out=lines_out, mech=mech):
            challenge = _unb64(out[-1][4:]).decode()
            if challenge.startswith("r="):
                attrs = dict(_attrs(challenge))
                wp = "c=biws,r=" + attrs["r"]
                am = "n=a=2Cb,r=abc," + challenge + "," + wp
                return _b64((wp + ",p=" + client_proof(mech, "pw", _unb64(attrs["s"]),
                                                        int(attrs["i"]), am)).encode())
            return ""

        srv = smtp_auth_scram(_b64(b"n,,n=a=2Cb,r=abc"), read_line, write_line,
                              mechanism=mech, username="a,b", password="pw",
                              salt=salt, iterations=4096)
        assert srv.authenticated and lines_out[-1].startswith("235"), lines_out
        assert srv.received_username == "a,b"

        lines_out.clear()
        srv = smtp_auth_scram(_b64(b"n,,n=a=2Cb,r=abc"), read_line, write_line,
                              mechanism=mech, username="a,b", password="other",
                              salt=salt, iterations=4096)
        assert not srv.authenticated and lines_out[-1].startswith("535"), lines_out
        assert _unb64(lines_out[-2][4:]) == b"e=invalid-proof"
    print("scram_server: RFC 5802 and RFC 7677 vectors OK")


if __name__ == "__main__":
    _self_check()
