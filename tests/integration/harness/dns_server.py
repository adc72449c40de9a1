"""A DNS server for tests, on python3-dnslib: UDP and TCP on one ephemeral
port of 127.0.0.1 or ::1, answering from a zone, with per-name faults.

    zone = '''
    example.test.      MX   10 mx.example.test.
    mx.example.test.   A    192.0.2.1
    '''                                   # zone text (dnslib RR.fromZone), or
    zone = {"example.test": ["MX 10 mx.example.test."]}   # name -> [rdata]
    with DNSFixture(zone, faults={"sf.test": {"rcode": "SERVFAIL"}}) as dns:
        run("--resolver", dns.resolver)   # "127.0.0.1:PORT" or "[::1]:PORT"
        dns.queries                       # [(protocol, DNSRecord)] received

Faults, per query name (a dict; keys combine):
    rcode="SERVFAIL" | "REFUSED" | ...   answer with this rcode, no records
    drop=True | "udp" | "tcp"            never answer (on that transport);
                                         a dropped TCP connection is held open
    delay_ms=N                           answer after N ms (handlers are threads,
                                         so concurrent queries overlap)
    ad=True                              set the AD bit
    no_edns=True                         FORMERR to queries with an OPT record
    truncate=True                        UDP: TC set and no records; TCP: full
    raw=bytes | callable(query: bytes) -> bytes
                                         send these bytes instead (bytes get the
                                         query's id in their first two octets)
    wrong_id=True | "udp" | "tcp"        the zone's answer, records and all, under
                                         another message ID (on that transport; a
                                         TCP connection is then held open, silent)
    wrong_question=True                  the zone's answer for the asked name, with
                                         the question naming another one
    reply_from="port" | "address"        UDP: the zone's answer, sent from another
                                         port (or from 127.0.0.2, IPv4 only)
    flood_tcp=True                       TCP: the zone's answer under a wrong message
                                         ID, again and again without a pause, until
                                         the client goes

Names without a fault are answered from the zone: CNAMEs are followed inside
the zone, an existing name without the type is NODATA (SOA in authority),
an unknown name NXDOMAIN.  Answers echo an EDNS OPT record when the query had one.
"""
import socket
import struct
import threading

from dnslib import EDNS0, QTYPE, RCODE, RR, DNSHeader, DNSQuestion, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

__all__ = ["DNSFixture", "address_fault", "malformed_answer"]


def _norm(name):
    return str(name).rstrip(".").lower() + "."


class _ZoneResolver(BaseResolver):
    def __init__(self, fixture):
        self.fx = fixture

    def resolve(self, request, handler):
        reply = request.reply()          # QR, AA, RA, RD echoed, same id
        qname, qtype = _norm(request.q.qname), request.q.qtype
        fault = self.fx.faults.get(qname, {})
        reply.header.ad = 1 if fault.get("ad") else 0   # reply() echoes the query's AD
        has_opt = any(rr.rtype == QTYPE.OPT for rr in request.ar)
        if fault.get("no_edns") and has_opt:
            reply.header.rcode = RCODE.FORMERR
            return reply
        if has_opt:
            reply.add_ar(EDNS0(udp_len=1232))
        if "rcode" in fault:
            reply.header.rcode = getattr(RCODE, fault["rcode"])
            return reply
        name = qname
        for _ in range(8):               # follow CNAMEs inside the zone
            rrs = self.fx.records.get(name, [])
            cname = [rr for rr in rrs if rr.rtype == QTYPE.CNAME]
            if cname and qtype != QTYPE.CNAME:
                reply.add_answer(*cname)
                name = _norm(cname[0].rdata.label)
                continue
            reply.add_answer(*[rr for rr in rrs if rr.rtype == qtype])
            break
        if not reply.rr:
            if not self.fx.exists(name):
                reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(*RR.fromZone(
                "%s 60 IN SOA ns.fixture.test. hostmaster.fixture.test. 1 3600 600 86400 60"
                % (name.split(".")[-2] + "." if name != "." else ".")))
        return reply


class _Handler(DNSHandler):
    """DNSHandler with the faults above; records every query it parses."""

    def handle(self):
        fx = self.server.fixture
        tcp = self.server.socket_type == socket.SOCK_STREAM
        self.protocol = "tcp" if tcp else "udp"
        if tcp:
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = self.request.recv(65537)
                if not chunk:
                    return
                data += chunk
            data = data[2:]
        else:
            data, sock = self.request
        try:
            request = DNSRecord.parse(data)
        except Exception:                # garbage query: no answer
            return
        with fx.lock:
            fx.queries.append((self.protocol, request))
        fault = fx.faults.get(_norm(request.q.qname), {})

        drop = fault.get("drop")
        if drop is True or drop == self.protocol:
            if tcp:                      # hold the connection open, silent
                fx.stopping.wait(30)
            return
        if fault.get("delay_ms"):
            fx.stopping.wait(fault["delay_ms"] / 1000)

        raw = fault.get("raw")
        if raw is not None:
            out = raw(data) if callable(raw) else data[:2] + bytes(raw)[2:]
        else:
            reply = self.server.resolver.resolve(request, self)
            if fault.get("truncate") and not tcp:
                # Header and question, TC set (dnslib's truncate() drops the
                # question, and glibc ignores answers whose question differs).
                reply = DNSRecord(DNSHeader(id=reply.header.id, bitmap=reply.header.bitmap,
                                            tc=1), q=request.q)
            if fault.get("wrong_question"):
                reply.questions = [DNSQuestion("elsewhere." + str(request.q.qname),
                                               request.q.qtype, request.q.qclass)]
            out = reply.pack()
        wrong_id = fault.get("wrong_id")
        if wrong_id is True or wrong_id == self.protocol:
            out = bytes([out[0] ^ 0x5a, out[1] ^ 0xa5]) + out[2:]
        if fault.get("reply_from") and not tcp:
            other = socket.socket(socket.AF_INET6 if ":" in fx.host else socket.AF_INET,
                                  socket.SOCK_DGRAM)
            with other:
                other.bind(("127.0.0.2" if fault["reply_from"] == "address" else fx.host, 0))
                other.sendto(out, self.client_address)
            return
        if tcp and fault.get("flood_tcp"):
            bogus = struct.pack("!H", len(out)) + bytes([out[0] ^ 0x5a, out[1] ^ 0xa5]) + out[2:]
            try:
                while not fx.stopping.is_set():
                    self.request.sendall(bogus * 8192)
            except OSError:
                pass                                     # the client went
            return
        if tcp:
            self.request.sendall(struct.pack("!H", len(out)) + out)
            if wrong_id is True or wrong_id == "tcp":   # and nothing else, held open
                fx.stopping.wait(30)
        else:
            sock.sendto(out, self.client_address)


def malformed_answer(query: bytes) -> bytes:
    """A raw fault: the query's id and question, a header promising one
    answer, and an answer whose owner is a compression pointer to itself."""
    qend = 12
    while query[qend]:
        qend += query[qend] + 1
    question = query[12:qend + 5]
    here = 12 + len(question)
    return (query[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question
            + bytes([0xC0 | (here >> 8), here & 0xFF])
            + b"\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x01")


def address_fault(a, aaaa):
    """A raw fault for a name whose address lookups go wrong: A and AAAA
    answered with "nodata", "servfail" or "timeout" (a reply with another
    id, which the client drops, so the query times out); MX and any other
    type NODATA."""
    def answer(query: bytes) -> bytes:
        q = DNSRecord.parse(query)
        what = {QTYPE.A: a, QTYPE.AAAA: aaaa}.get(q.q.qtype, "nodata")
        reply = q.reply()
        if what == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
        else:
            reply.add_auth(*RR.fromZone("test. 60 IN SOA ns.fixture.test. hostmaster.fixture.test. "
                                        "1 3600 600 86400 60"))
        data = reply.pack()
        if what == "timeout":
            data = bytes([query[0] ^ 0x5a, query[1] ^ 0xa5]) + data[2:]
        return data
    return {"raw": answer}


class DNSFixture:
    def __init__(self, zone="", faults=None, host="127.0.0.1", port=0):
        self.host = host
        self.want_port = port            # 0: ephemeral (a fixed one: inside a network namespace)
        self.faults = {_norm(k): v for k, v in (faults or {}).items()}
        if isinstance(zone, dict):
            zone = "\n".join("%s. 300 IN %s" % (name.rstrip("."), rdata)
                             for name, rdatas in zone.items() for rdata in rdatas)
        self.records = {}
        for rr in RR.fromZone(zone) if zone.strip() else []:
            self.records.setdefault(_norm(rr.rname), []).append(rr)
        self.queries = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.servers = []
        self.port = None

    def exists(self, name):
        """The name owns records, or is an empty non-terminal above one."""
        return any(n == name or n.endswith("." + name) for n in self.records)

    @property
    def resolver(self):
        """The --resolver argument for this server."""
        if ":" in self.host:
            return "[%s]:%d" % (self.host, self.port)
        return "%s:%d" % (self.host, self.port)

    def start(self):
        resolver = _ZoneResolver(self)
        logger = DNSLogger("-request,-reply,-truncated,-error", prefix=False)
        # UDP takes an ephemeral port; TCP must get the same number, which
        # another process may hold: try a few times.
        for _ in range(20):
            udp = DNSServer(resolver, address=self.host, port=self.want_port, logger=logger, handler=_Handler)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(resolver, address=self.host, port=port, tcp=True,
                                logger=logger, handler=_Handler)
            except OSError:
                udp.server.server_close()
                continue
            break
        else:
            raise RuntimeError("no port free for both UDP and TCP")
        self.port = port
        self.servers = [udp, tcp]
        for s in self.servers:
            s.server.fixture = self
            s.server.daemon_threads = False   # so server_close() joins handlers
            s.thread = threading.Thread(target=s.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
            s.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        for s in self.servers:
            s.server.shutdown()
            s.server.server_close()
            s.thread.join(timeout=5)
        self.servers = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
