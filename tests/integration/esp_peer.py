#!/usr/bin/python3
"""ESP interop matrix against scapy and tshark (peers espgw did not write).

Runs inside the topology of netns.sh. For every algorithm x tunnel/transport
x IPv4/IPv6 outer and inner it configures one SA pair in a single espgw and
checks, packet by packet:
  outbound: a packet the protected host sends comes out as ESP that scapy
            decrypts to exactly the original (TTL/hop limit one lower);
  inbound:  ESP that scapy builds arrives at the protected host as exactly
            the inner packet (TTL one lower);
  tshark:   decodes espgw's ESP captures with the SA table (non-ESN SAs).
Then feeds bad ESP/IP and checks each is dropped under its own reason.
Exit status 0 only if every check passed.
"""
import json
import os
import random
import subprocess
import sys
import time

from scapy.all import Ether, IP, IPv6, UDP, Raw, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

import harness as H
from harness import check, ctl, drops, recv_match, WORK, EsnAuth, l3, dec_ttl

ESPGW = sys.argv[1]
H.ESPGWCTL = sys.argv[2]
ENGINE = sys.argv[3] if len(sys.argv) > 3 else "cpu"     # cpu | lookaside

ALGS = {  # name: (scapy crypt, key len incl. salt, scapy auth, auth key len, tshark enc, tshark auth)
    "aes-gcm-128": ("AES-GCM", 20, "NULL", 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    "aes-gcm-256": ("AES-GCM", 36, "NULL", 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    "aes-cbc-128-sha256": ("AES-CBC", 16, "SHA2-256-128", 32, "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    "aes-cbc-256-sha256": ("AES-CBC", 32, "SHA2-256-128", 32, "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    "chacha20-poly1305": ("CHACHA20-POLY1305", 36, "NULL", 0, "ChaCha20 with Poly1305 [RFC7634]", "NULL"),
}
def v4(i):
    return "198.18.2.%d" % (10 + i)


def v6(i):
    return "fd00:2::%x" % (10 + i)


ENCAP_PEER_PORT = 4501   # the peer's NAT-mapped port: not 4500, as behind a NAT


class Case:
    def __init__(self, i, alg, mode, outer, inner, encap=False):
        self.i, self.alg, self.mode, self.outer, self.inner = i, alg, mode, outer, inner
        self.encap = encap      # RFC 3948 UDP-encapsulated ESP
        a = ALGS[alg]
        self.key = os.urandom(a[1])
        self.akey = os.urandom(a[3]) if a[3] else b""
        self.key_in = os.urandom(a[1])
        self.akey_in = os.urandom(a[3]) if a[3] else b""
        # alternate ESN per algorithm so both outer families see both
        self.esn = ((i // 6) + i) % 2 == 1
        self.spi_out, self.spi_in = 0x1000 + i, 0x2000 + i
        self.remote = v4(i) if inner == 4 else v6(i)
        self.host = "198.18.1.2" if inner == 4 else "fd00:1::2"
        self.name = "%s/%s/%sin%s%s%s" % (alg, mode, inner, outer, "/esn" if self.esn else "",
                                          "/udp" if encap else "")

    def outer_hdr(self, out):
        if self.mode != "tunnel":
            return None
        l, r = ("198.18.0.1", "198.18.0.2") if self.outer == 4 else ("fd00::1", "fd00::2")
        if not out:
            l, r = r, l
        return IP(src=l, dst=r) if self.outer == 4 else IPv6(src=l, dst=r)

    def sa(self, out):
        a = ALGS[self.alg]
        sa = SecurityAssociation(
            ESP, spi=self.spi_out if out else self.spi_in, crypt_algo=a[0],
            crypt_key=self.key if out else self.key_in,
            auth_algo=a[2], auth_key=(self.akey if out else self.akey_in) or None,
            tunnel_header=self.outer_hdr(out), esn_en=self.esn, esn=0)
        if self.esn and a[3]:
            sa.auth_algo = EsnAuth(sa.auth_algo)
        return sa

    def yaml(self):
        ends = ("198.18.0.1", "198.18.0.2") if self.outer == 4 else ('"fd00::1"', '"fd00::2"')
        net_in = "198.18.1.0/24" if self.inner == 4 else '"fd00:1::/64"'
        plen = 32 if self.inner == 4 else 128
        remp = ('"%s/%d"' % (self.remote, plen))
        y = []
        for d, spi, k, ak in (("outbound", self.spi_out, self.key, self.akey),
                              ("inbound", self.spi_in, self.key_in, self.akey_in)):
            y.append("  - name: %s%d" % (d[0], self.i))
            y.append("    direction: %s\n    spi: %d\n    mode: %s\n    algorithm: %s"
                     % (d, spi, self.mode, self.alg))
            y.append("    key: 0x%s" % k.hex())
            if ak:
                y.append("    auth_key: 0x%s" % ak.hex())
            y.append("    esn: %s\n    inner: ipv%d" % ("true" if self.esn else "false", self.inner))
            if self.mode == "tunnel":
                y.append("    local: %s\n    remote: %s" % ends)
            if self.encap:
                y.append("    udp_encap: true\n    encap_dport: %d" % ENCAP_PEER_PORT)
            else:
                y.append("    lookup: spi")
            if d == "inbound":
                y.append("    replay_window: 64")
                y.append("    selector: { src: %s, dst: %s }" % (remp, net_in))
        pol = ("  - { name: p%d, src: %s, dst: %s, action: protect, sa: o%d }"
               % (self.i, net_in, remp, self.i))
        return "\n".join(y), pol


def build_cases():
    cases, i = [], 0
    for alg in ALGS:
        for mode, pairs in (("tunnel", [(4, 4), (6, 6), (4, 6), (6, 4)]),
                            ("transport", [(4, 4), (6, 6)])):
            for outer, inner in pairs:
                cases.append(Case(i, alg, mode, outer, inner))
                i += 1
    # UDP encapsulation: every algorithm 4in4, and both outer families
    for alg, outer, inner in [(a, 4, 4) for a in ALGS] + [("aes-gcm-128", 6, 6),
                                                         ("aes-gcm-128", 6, 4)]:
        cases.append(Case(i, alg, "tunnel", outer, inner, encap=True))
        i += 1
    return cases


def config_text(cases):
    sas, pols = zip(*(c.yaml() for c in cases))
    return """workers: %d
crypto_engine: %s
mgmt_socket: %s
eal: { file_prefix: %s, hugepages: false, memory_mb: 768 }
%ssas:
%s
policies:
%s
""" % (H.WORKERS, ENGINE, H.SOCK, H.EGP, H.PORTS_YAML % ("", ""), "\n".join(sas), "\n".join(pols))


def inner_pkt(c, out, size, tag):
    payload = tag + bytes(random.getrandbits(8) for _ in range(max(0, size - len(tag))))
    if c.inner == 4:
        ip = IP(src="198.18.1.2", dst=c.remote, ttl=64) if out else IP(src=c.remote, dst="198.18.1.2", ttl=64)
    else:
        ip = IPv6(src="fd00:1::2", dst=c.remote, hlim=64) if out else IPv6(src=c.remote, dst="fd00:1::2", hlim=64)
    p = ip / UDP(sport=40000 + c.i, dport=9) / Raw(payload)
    return p.__class__(bytes(p))


def esp_of(spi):
    def f(p):
        return ESP in p and p[ESP].spi == spi
    return f


def udp_esp_of(spi):
    def f(p):
        return (UDP in p and p[UDP].sport == 4500 and p[UDP].dport == ENCAP_PEER_PORT and
                bytes(p[UDP].payload)[:4] == spi.to_bytes(4, "big"))
    return f


def outer_ip(src, dst, family, proto):
    return IP(src=src, dst=dst, proto=proto) if family == 4 else IPv6(src=src, dst=dst, nh=proto)


def unwrap_udp(outer):
    """IP/UDP/ESP (RFC 3948) -> the same packet as plain IP/ESP"""
    h = outer_ip(outer.src, outer.dst, 4 if IP in outer else 6, 50)
    return h.__class__(bytes(h / Raw(bytes(outer[UDP].payload))))


def wrap_udp(enc):
    """IP/ESP from scapy -> IP/UDP(4501 -> 4500)/ESP, as a peer behind a NAT sends"""
    h = outer_ip(enc.src, enc.dst, 4 if IP in enc else 6, 17)
    p = h / UDP(sport=ENCAP_PEER_PORT, dport=4500) / Raw(bytes(enc[ESP]))
    return p.__class__(bytes(p))


def main():
    cases = build_cases()
    print("engine %s, ports net_%s, %d workers" % (ENGINE, H.PMD, H.WORKERS))
    gw, cfg, logp = H.start_espgw(ESPGW, config_text(cases))
    try:
        rc = subprocess.run([ESPGW, "--check-config", cfg], capture_output=True, text=True)
        check(rc.returncode == 0, "generated config validates: " + rc.stderr.strip())
        hs, hmac = H.l2sock(H.NS_H, "h0")
        H.SINKS = H.host_sinks()   # kept open for the whole test
        rs, rmac = H.l2sock(H.NS_R, "r0")
        H.setns(H.NS_GW)
        gin, gout = H.hwaddr("eg-in"), H.hwaddr("eg-out")
        H.warm_neighbours()
        captured, sa_lines = [], []
        for c in cases:
            if not H.alive(gw):
                break
            run_case(c, hs, hmac, gin, rs, rmac, gout, captured, sa_lines)
        tshark_check(captured, sa_lines)
        bad_input(cases, rs, rmac, gout, hs)
        print(ctl("show", "sas")[1])
        print(ctl("show", "drops")[1])
    finally:
        H.stop_espgw(gw, logp)
    return H.summary()


def run_case(c, hs, hmac, gin, rs, rmac, gout, captured, sa_lines):
    sa_out, sa_in = c.sa(True), c.sa(False)
    seq = 0
    for n, size in enumerate((1, 64, 700, 1300)):
        tag = b"espgw-%d-%d-" % (c.i, n)
        orig = inner_pkt(c, True, size, tag)
        hs.send(Ether(src=hmac, dst=gin) / orig)
        got = recv_match(rs, udp_esp_of(c.spi_out) if c.encap else esp_of(c.spi_out))
        check(got is not None, "%s: outbound ESP for %dB seen" % (c.name, size))
        if got is None:
            continue
        seq += 1
        outer = l3(got)
        if c.encap:
            u = got[UDP]
            fresh = outer.__class__(bytes(outer))
            del fresh[UDP].chksum
            check(u.len == 8 + len(bytes(u.payload)) and
                  (u.chksum == 0 if c.outer == 4 else
                   u.chksum == outer.__class__(bytes(fresh))[UDP].chksum),
                  "%s: UDP header right (length, checksum %s)" %
                  (c.name, "zero" if c.outer == 4 else "valid"))
            outer = unwrap_udp(outer)
        else:
            captured.append(got)
        check(outer[ESP].seq == seq, "%s: ESP seq %d (got %d)" % (c.name, seq, outer[ESP].seq))
        if c.mode == "tunnel":
            exp_src = "198.18.0.1" if c.outer == 4 else "fd00::1"
            check(outer.src == exp_src, "%s: outer source %s" % (c.name, outer.src))
        if IP in got:
            fresh = got[IP].copy()
            del fresh.chksum
            check(IP(bytes(fresh)).chksum == got[IP].chksum,
                  "%s: outer IPv4 header checksum right" % c.name)
        try:
            dec = sa_out.decrypt(outer.__class__(bytes(outer)))
            ok = bytes(dec) == bytes(dec_ttl(orig))
            if not ok and os.environ.get("ESPGW_DEBUG"):
                print("got ", bytes(dec).hex())
                print("want", bytes(dec_ttl(orig)).hex())
        except Exception as e:  # noqa: BLE001 - any failure to decrypt is a failed check
            print("decrypt error", c.name, e)
            ok = False
        check(ok, "%s: scapy decrypts %dB outbound to exactly the original" % (c.name, size))
        # inbound: scapy encrypts, the host must get exactly the inner packet
        inner = inner_pkt(c, False, size, tag)
        enc = sa_in.encrypt(inner)
        rs.send(Ether(src=rmac, dst=gout) / (wrap_udp(enc) if c.encap else enc))
        want = bytes(dec_ttl(inner))
        got = recv_match(hs, lambda p: (IP in p or IPv6 in p) and Raw in p and bytes(p[Raw]).startswith(tag))
        if got is not None and bytes(l3(got)) != want and os.environ.get("ESPGW_DEBUG"):
            print("got ", bytes(l3(got)).hex())
            print("want", want.hex())
        check(got is not None and bytes(l3(got)) == want,
              "%s: inbound %dB delivered exactly" % (c.name, size))
    # tshark 4.0 has no ChaCha20 ESP; UDP-encapsulated ESP is checked by scapy only
    if not c.esn and c.alg != "chacha20-poly1305" and not c.encap:
        a = ALGS[c.alg]
        if c.mode == "tunnel":
            src, dst = ("198.18.0.1", "198.18.0.2") if c.outer == 4 else ("fd00::1", "fd00::2")
        else:
            src, dst = c.host, c.remote
        sa_lines.append('"IPv%d","%s","%s","0x%08x","%s","0x%s","%s","0x%s"' % (
            c.outer if c.mode == "tunnel" else c.inner, src, dst, c.spi_out, a[4],
            c.key.hex(), a[5], c.akey.hex()))


def tshark_check(captured, sa_lines):
    home = os.path.join(WORK, "home")
    os.makedirs(os.path.join(home, ".config", "wireshark"), exist_ok=True)
    open(os.path.join(home, ".config", "wireshark", "esp_sa"), "w").write("\n".join(sa_lines) + "\n")
    pcap = os.path.join(WORK, "esp.pcap")
    wrpcap(pcap, captured)
    out = subprocess.run(["tshark", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
                          "-T", "fields", "-e", "esp.spi", "-e", "data.data"],
                         capture_output=True, text=True, env=dict(os.environ, HOME=home),
                         timeout=60)
    decoded = {}
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[1]:
            decoded.setdefault(parts[0], []).append(bytes.fromhex(parts[1].replace(":", "")))
    n = 0
    for line in sa_lines:
        spi = line.split(",")[3].strip('"')
        blobs = decoded.get(spi, [])
        tagged = [b for b in blobs if b.startswith(b"espgw-")]
        check(len(tagged) == 4, "tshark decodes all 4 packets of SA %s (%d)" % (spi, len(tagged)))
        n += 1
    print("tshark checked %d SAs" % n)


def bad_input(cases, rs, rmac, gout, hs):
    c = cases[0]          # aes-gcm-128 tunnel 4in4, no ESN
    cbc = next(x for x in cases if x.alg == "aes-cbc-128-sha256" and x.mode == "tunnel"
               and x.outer == 4 and x.inner == 4)

    def send_expect(pkt, reason, what, count=1):
        d0 = drops()
        rs.send(Ether(src=rmac, dst=gout) / pkt)
        time.sleep(0.3)
        d1 = drops()
        delta = {k: d1[k] - d0.get(k, 0) for k in d1 if d1[k] != d0.get(k, 0)}
        check(delta.get(reason, 0) == count, "%s: dropped as %s (%d; all: %s)"
              % (what, reason, delta.get(reason, 0), delta))

    sa = SecurityAssociation(ESP, spi=c.spi_in, crypt_algo="AES-GCM", crypt_key=c.key_in,
                             tunnel_header=IP(src="198.18.0.2", dst="198.18.0.1"))
    inner = inner_pkt(c, False, 50, b"bad")
    good = sa.encrypt(inner, seq_num=1000)
    raw = bytearray(bytes(good))
    raw[-1] ^= 1
    d = sa.encrypt(inner_pkt(c, False, 50, b"dup"), seq_num=500)
    send_expect(d, "esp-replay", "seq 500 accepted", count=0)
    send_expect(d, "esp-replay", "seq 500 replayed")
    send_expect(IP(bytes(raw)), "esp-icv", "tampered ICV")
    wrong = IP(bytes(good))
    wrong[ESP].spi = 0x7777
    send_expect(IP(bytes(wrong)), "esp-no-sa", "unknown SPI")
    send_expect(good, "esp-replay", "first copy accepted", count=0)
    got = recv_match(hs, lambda p: Raw in p and bytes(p[Raw]).startswith(b"bad"), 1)
    check(got is not None, "first copy delivered")
    send_expect(good, "esp-replay", "replayed packet")
    got = recv_match(hs, lambda p: Raw in p and bytes(p[Raw]).startswith(b"bad"), 1)
    check(got is None, "replayed copy not delivered")
    send_expect(sa.encrypt(inner, seq_num=900), "esp-replay", "sequence left of the window")
    send_expect(sa.encrypt(inner, seq_num=1000 - 63), "esp-replay", "oldest in-window seq accepted", count=0)
    hdr = bytes(good)[:20 + 8]
    t = IP(hdr)
    t.len = len(hdr)
    del t.chksum
    send_expect(IP(bytes(t)), "esp-truncated", "ESP header only")
    t2 = IP(bytes(good))
    t2.len = 4000
    del t2.chksum
    send_expect(IP(bytes(t2)), "ip-malformed", "IP length longer than frame")
    t3 = bytearray(bytes(good))
    t3[0] = 0x44          # IHL 4
    send_expect(IP(bytes(t3)), "ip-malformed", "IHL below 5")
    t4 = bytearray(bytes(good))
    t4[10] ^= 0xff
    send_expect(IP(bytes(t4)), "ip-checksum", "bad IPv4 header checksum")
    # a valid packet whose inner source is outside the SA's selector
    rogue = IP(src="198.18.2.200", dst="198.18.1.2") / UDP(sport=1, dport=9) / Raw(b"rogue")
    send_expect(sa.encrypt(rogue, seq_num=1001), "inner-policy", "inner packet outside selectors")
    # tunnel SA carrying IPv6 inside: next header disagrees with the SA
    v6in = IPv6(src="fd00:2::1", dst="fd00:1::2") / UDP(sport=1, dport=9) / Raw(b"x" * 20)
    send_expect(sa.encrypt(v6in, seq_num=1002), "esp-trailer", "wrong next header")
    # bad padding with a valid ICV (AES-CBC + HMAC): build ESP by hand
    from scapy.layers.ipsec import _ESPPlain
    sacbc = cbc.sa(False)
    pl = bytes(IP(src=cbc.remote, dst="198.18.1.2") / UDP(sport=1, dport=9) / Raw(b"p" * 10))
    padlen = (-(len(pl) + 2)) % 16
    if padlen == 0:
        padlen = 16
    esp = _ESPPlain(spi=cbc.spi_in, seq=5000, iv=os.urandom(16), data=pl,
                    padding=b"\xee" * padlen, padlen=padlen, nh=4)
    esp = sacbc.crypt_algo.encrypt(sacbc, esp, sacbc.crypt_key)
    esp = sacbc.auth_algo.sign(esp, sacbc.auth_key)
    pkt = IP(src="198.18.0.2", dst="198.18.0.1", proto=50) / esp
    send_expect(IP(bytes(pkt)), "esp-trailer", "bad padding bytes (valid ICV)")
    # UDP to 4500: the zero non-ESP marker is IKE (to the control thread,
    # not the ESP path); ESP in UDP that is too short or has a UDP length
    # that lies is not decapsulated either; neither counts as an ESP drop
    def punt_other():
        return json.loads(ctl("show", "stats", "--json")[1])["punt_other"]
    p0 = punt_other()
    ike = IP(src="198.18.0.2", dst="198.18.0.1") / UDP(sport=4500, dport=4500) / Raw(b"\0" * 4 + b"i" * 28)
    send_expect(ike, "esp-no-sa", "IKE (non-ESP marker) on 4500 is not ESP", count=0)
    short = IP(src="198.18.0.2", dst="198.18.0.1") / UDP(sport=4500, dport=4500) / Raw(b"\1\2\3\4")
    send_expect(short, "esp-truncated", "4 bytes in UDP 4500 are not ESP", count=0)
    liar = IP(bytes(IP(src="198.18.0.2", dst="198.18.0.1") / UDP(sport=4500, dport=4500) /
                    Raw(bytes(good[ESP]))))
    liar[UDP].len = 12
    del liar[UDP].chksum
    send_expect(IP(bytes(liar)), "esp-no-sa", "UDP length that lies: not decapsulated", count=0)
    # (at least: the hosts' own IPv6 MLD reports and router solicitations
    # are punted too, whenever they happen to be sent)
    check(punt_other() - p0 >= 3, "the three went to the control thread (punt_other +%d)"
          % (punt_other() - p0))
    # unknown ethertype and garbage frames are counted, not crashing
    before = drops().get("l2-malformed", 0)
    rs.send(Ether(src=rmac, dst=gout, type=0x88b5) / Raw(b"\x00" * 50))
    time.sleep(0.3)
    check(drops().get("l2-malformed", 0) - before == 1, "unknown ethertype counted")
    # and the gateway still forwards afterwards
    inner = inner_pkt(c, False, 100, b"after-bad")
    rs.send(Ether(src=rmac, dst=gout) / sa.encrypt(inner, seq_num=2000))
    got = recv_match(hs, lambda p: Raw in p and bytes(p[Raw]).startswith(b"after-bad"))
    check(got is not None, "traffic still flows after bad input")


if __name__ == "__main__":
    sys.exit(main())
