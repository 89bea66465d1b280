#!/usr/bin/python3
"""Operations: what a carrier does to a running gateway, checked on the wire.

- MTU: IPv4 with DF and IPv6 too big for the tunnel get ICMP "fragmentation
  needed" / ICMPv6 "packet too big" with the MTU left after ESP; IPv4
  without DF is fragmented before encryption and scapy's decrypted
  fragments reassemble to the original.
- Lifetimes: hard packet limit deletes the SA after exactly that many
  packets; soft limits and seconds raise their events.
- SAs and policies added and deleted through espgwctl while traffic flows
  (the ASan build of this test is the use-after-free check).
- Malformed management requests get ERR and change nothing.
- reload: a bad file changes nothing; a good one keeps unchanged SAs
  (their counters) and adds the new ones.
- Neighbours: a gratuitous ARP (RFC 5227 announcement) from a host espgw
  is resolving answers its ARP; one for an address espgw never asked for
  teaches it nothing; a static neighbour is used at once and no ARP
  changes it.
"""
import json
import os
import socket
import sys
import threading
import time

from scapy.all import ARP, Ether, IP, IPv6, UDP, ICMP, Raw, IPerror, ICMPv6PacketTooBig
from scapy.layers.ipsec import ESP, SecurityAssociation

import harness as H
from harness import check, ctl, drops, recv_match, dec_ttl

ESPGW = sys.argv[1]
H.ESPGWCTL = sys.argv[2]
HOOKS = "--test-hooks" in sys.argv[3:]     # espgw built with -Dtest_hooks=true
K_OUT = bytes(range(1, 21))
K_IN = bytes(range(21, 41))
K6_OUT = bytes(range(41, 61))
K6_IN = bytes(range(61, 81))
OUT_MTU = 1400
# ESP overhead of an AES-GCM tunnel SA: outer IP + ESP header + IV + worst
# padding + pad length/next header + ICV (what espgw reserves)
OVH4 = 20 + 8 + 8 + 3 + 2 + 16
OVH6 = 40 + 8 + 8 + 3 + 2 + 16


def sa_yaml(name, d, spi, key, local, remote, extra=""):
    return ("  - { name: %s, direction: %s, spi: %d, mode: tunnel, algorithm: aes-gcm-128, "
            "key: 0x%s, local: \"%s\", remote: \"%s\"%s }" % (name, d, spi, key.hex(), local,
                                                           remote, extra))


def config(extra_sas="", extra_pols=""):
    return """workers: 1
mgmt_socket: %s
eal: { file_prefix: %s, hugepages: false, memory_mb: 768 }
%ssas:
%s
%s
%s
%s
neighbours:
  - { address: 198.18.1.6, mac: "02:00:00:00:00:66", port: inside }
policies:
  - { name: p4, src: 198.18.1.0/24, dst: 198.18.2.0/24, action: protect, sa: o4 }
  - { name: p6, src: "fd00:1::/64", dst: "fd00:2::/64", action: protect, sa: o6 }
%s
""" % (H.SOCK, H.EGP, H.PORTS_YAML % ("", ", mtu: %d" % OUT_MTU),
       sa_yaml("o4", "outbound", 0x1001, K_OUT, "198.18.0.1", "198.18.0.2"),
       sa_yaml("i4", "inbound", 0x2001, K_IN, "198.18.0.1", "198.18.0.2",
               ", selector: { src: 198.18.2.0/24, dst: 198.18.1.0/24 }"),
       sa_yaml("o6", "outbound", 0x1002, K6_OUT, "fd00::1", "fd00::2"),
       sa_yaml("i6", "inbound", 0x2002, K6_IN, "fd00::1", "fd00::2",
               ", selector: { src: \"fd00:2::/64\", dst: \"fd00:1::/64\" }") + extra_sas,
       extra_pols)


def sa_o4():
    return SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM", crypt_key=K_OUT,
                               tunnel_header=IP(src="198.18.0.1", dst="198.18.0.2"))


def sa_i4():
    return SecurityAssociation(ESP, spi=0x2001, crypt_algo="AES-GCM", crypt_key=K_IN,
                               tunnel_header=IP(src="198.18.0.2", dst="198.18.0.1"))


def sa_rows():
    rc, out, _ = ctl("show", "sas", "--json")
    return {s["name"]: s for s in json.loads(out)} if rc == 0 else {}


def test_first_packet(n):
    """A packet to a neighbour not yet resolved is held during ARP and
    delivered, not dropped (a host's unresolved queue)."""
    import subprocess
    subprocess.run(["ip", "-n", H.NS_H, "addr", "add", "198.18.1.3/24", "dev", "h0"], check=True)
    st0 = json.loads(ctl("show", "stats", "--json")[1])
    inner = IP(src="198.18.2.2", dst="198.18.1.3") / UDP(sport=7, dport=9) / Raw(b"first-packet")
    n.from_remote(sa_i4().encrypt(inner, seq_num=3000))   # below the churn test's
    got = recv_match(n.hs, lambda p: Raw in p and bytes(p[Raw]) == b"first-packet")
    st1 = json.loads(ctl("show", "stats", "--json")[1])
    check(got is not None and got[IP].dst == "198.18.1.3",
          "first packet to an unresolved neighbour delivered after ARP")
    check(st1["neigh_held"] == st0["neigh_held"] + 1 and
          st1["neigh_released"] == st0["neigh_released"] + 1, "held once, released once")


def test_gratuitous_arp(n):
    """198.18.1.4 exists on no host: a packet for it is held while espgw
    asks, and a gratuitous ARP for .4 (sender = target, a host announcing
    itself, as pktgen or a failover pair does) is learned and releases it.
    Before, only ARP aimed at espgw's own address was learned, so the packet
    was lost as neigh-miss. A gratuitous ARP for .5, which espgw never
    asked for, is not learned: the next packet for .5 is held again."""
    def garp(ip):
        n.hs.send(Ether(src=n.hmac, dst="ff:ff:ff:ff:ff:ff") /
                  ARP(op=1, hwsrc=n.hmac, psrc=ip, hwdst="00:00:00:00:00:00", pdst=ip))

    st0 = json.loads(ctl("show", "stats", "--json")[1])
    garp("198.18.1.5")          # not wanted: not learned
    time.sleep(0.2)
    inner = IP(src="198.18.2.2", dst="198.18.1.4") / UDP(sport=7, dport=9) / Raw(b"garp-4")
    n.from_remote(sa_i4().encrypt(inner, seq_num=3001))
    time.sleep(0.1)
    garp("198.18.1.4")
    got = recv_match(n.hs, lambda p: Raw in p and bytes(p[Raw]) == b"garp-4")
    check(got is not None and got[Ether].dst == n.hmac,
          "a held packet released by a gratuitous ARP from the host espgw asked for")
    inner5 = IP(src="198.18.2.2", dst="198.18.1.5") / UDP(sport=7, dport=9) / Raw(b"garp-5")
    n.from_remote(sa_i4().encrypt(inner5, seq_num=3002))
    time.sleep(0.2)
    st1 = json.loads(ctl("show", "stats", "--json")[1])
    check(st1["neigh_held"] == st0["neigh_held"] + 2,
          "the announcement nobody asked for taught nothing: .5's packet held too (%d held)"
          % (st1["neigh_held"] - st0["neigh_held"]))


def test_static_neighbour(n):
    """198.18.1.6 is a static neighbour (02:00:00:00:00:66): its first
    packet leaves at once with that MAC (nothing held, no ARP), and a
    gratuitous ARP claiming .6 for h0's MAC changes nothing."""
    st0 = json.loads(ctl("show", "stats", "--json")[1])
    for k, seq in ((0, 3003), (1, 3004)):
        if k:
            n.hs.send(Ether(src=n.hmac, dst="ff:ff:ff:ff:ff:ff") /
                      ARP(op=1, hwsrc=n.hmac, psrc="198.18.1.6", pdst="198.18.1.6"))
            time.sleep(0.2)
        tag = b"static-%d" % k
        inner = IP(src="198.18.2.2", dst="198.18.1.6") / UDP(sport=7, dport=9) / Raw(tag)
        n.from_remote(sa_i4().encrypt(inner, seq_num=seq))
        got = recv_match(n.hs, lambda p, t=tag: Raw in p and bytes(p[Raw]) == t)
        check(got is not None and got[Ether].dst == "02:00:00:00:00:66",
              "static neighbour: packet %d to its configured MAC (%s)" %
              (k, got and got[Ether].dst))
    st1 = json.loads(ctl("show", "stats", "--json")[1])
    check(st1["neigh_held"] == st0["neigh_held"], "static neighbour: nothing held for it")


def test_mtu(n):
    # IPv4 with DF: ICMP fragmentation needed, next-hop MTU after ESP
    big = IP(src="198.18.1.2", dst="198.18.2.2", flags="DF") / UDP(sport=7, dport=9) / Raw(b"d" * 1400)
    n.from_host(big)
    got = recv_match(n.hs, lambda p: ICMP in p and p[ICMP].type == 3)
    check(got is not None and got[ICMP].code == 4 and got[ICMP].nexthopmtu == OUT_MTU - OVH4
          and IPerror in got and got[IPerror].dst == "198.18.2.2",
          "IPv4 DF too big: ICMP frag-needed with MTU %d (%s)" % (
              OUT_MTU - OVH4, got[ICMP].nexthopmtu if got is not None and ICMP in got else None))
    # IPv6: packet too big
    big6 = IPv6(src="fd00:1::2", dst="fd00:2::2") / UDP(sport=7, dport=9) / Raw(b"e" * 1400)
    n.from_host(big6)
    got = recv_match(n.hs, lambda p: ICMPv6PacketTooBig in p)
    check(got is not None and got[ICMPv6PacketTooBig].mtu == OUT_MTU - OVH6,
          "IPv6 too big: ICMPv6 PTB with MTU %d" % (OUT_MTU - OVH6))
    # IPv4 without DF: fragmented before encryption, each fragment its own ESP
    orig = IP(src="198.18.1.2", dst="198.18.2.2", id=4242) / UDP(sport=7, dport=9) / Raw(
        bytes(i % 251 for i in range(1400)))
    orig = IP(bytes(orig))
    before = [x for x in json.loads(ctl("show", "sas", "--json")[1]) if x["spi"] == "00001001"][0]
    n.from_host(orig)
    sa = sa_o4()
    frags = []
    for _ in range(2):
        got = recv_match(n.rs, lambda p: ESP in p and p[ESP].spi == 0x1001)
        if got is None:
            break
        check(len(got[IP]) <= OUT_MTU, "encrypted fragment fits the MTU (%d)" % len(got[IP]))
        frags.append(sa.decrypt(IP(bytes(got[IP]))))
    check(len(frags) == 2, "IPv4 without DF: two encrypted fragments")
    after = [x for x in json.loads(ctl("show", "sas", "--json")[1]) if x["spi"] == "00001001"][0]
    check(after["fragmented"] - before["fragmented"] == 1 and
          after["fragments"] - before["fragments"] == 2 and
          after["packets"] - before["packets"] == 2,
          "show sas: one packet fragmented into two, each an ESP packet of the SA's count "
          "(issue 16: the count of fragments was unexplained)")
    if len(frags) == 2:
        frags.sort(key=lambda f: f.frag)
        data = b"".join(bytes(f[IP].payload) for f in frags)
        want = dec_ttl(orig)
        check(frags[0].flags.MF and not frags[1].flags.MF and frags[1].frag * 8 == len(bytes(frags[0][IP].payload))
              and data == bytes(want[IP].payload) and all(f.id == 4242 for f in frags),
              "fragments reassemble to exactly the original payload")


def protect_one(n, name, spi, last_octet, count, *sa_keys):
    """Add outbound SA `name` and a policy steering 198.18.2.<last_octet> to
    it, send `count` packets there one by one; returns (sa add rc, error,
    how many came out as ESP of that SPI)."""
    rc, _, err = ctl("sa", "add", "name=" + name, "direction=out", "spi=%d" % spi,
                     "mode=tunnel", "algorithm=aes-gcm-128", "key=0x" + K_OUT.hex(),
                     "local=198.18.0.1", "remote=198.18.0.2", *sa_keys)
    dst = "198.18.2.%d" % last_octet
    ctl("policy", "add", "name=p" + name, "priority=500", "src=198.18.1.0/24",
        "dst=%s/32" % dst, "action=protect", "sa=" + name)
    time.sleep(0.2)
    seen = 0
    for i in range(count):
        n.from_host(IP(src="198.18.1.2", dst=dst) / UDP(sport=7, dport=9) / Raw(b"%s%d" % (name.encode(), i)))
        if recv_match(n.rs, lambda p: ESP in p and p[ESP].spi == spi, 0.5) is not None:
            seen += 1
    time.sleep(0.5)
    ctl("policy", "del", "p" + name)
    return rc, err.strip(), seen


def test_lifetimes(n):
    rc, err, seen = protect_one(n, "olife", 0x3001, 50, 8, "soft_packets=3", "hard_packets=5")
    check(rc == 0, "sa add with lifetimes: " + err)
    check(seen == 5, "hard_packets=5: exactly 5 packets encrypted (%d)" % seen)
    check("olife" not in sa_rows(), "SA deleted at its hard lifetime")
    rc, out, _ = ctl("show", "stats", "--json")
    st = json.loads(out)
    check(st["soft_events"] >= 1 and st["hard_events"] >= 1, "soft and hard lifetime events counted")
    d = drops()
    check(d.get("sa-expired", 0) + d.get("sa-down", 0) >= 3, "packets after expiry dropped and counted")
    # seconds
    rc, _, err = ctl("sa", "add", "name=osec", "direction=out", "spi=0x3002", "mode=tunnel",
                     "algorithm=aes-gcm-128", "key=0x" + K_OUT.hex(), "local=198.18.0.1",
                     "remote=198.18.0.2", "hard_seconds=2")
    check(rc == 0, "sa add hard_seconds=2: " + err.strip())
    time.sleep(3.5)
    check("osec" not in sa_rows(), "SA deleted after hard_seconds")


def test_seq_exhaustion(n):
    """RFC 4303 3.3.3: without ESN the sequence number must not cycle.
    The test hook starts an SA as if 2^32-6 packets had used it."""
    st0 = json.loads(ctl("show", "stats", "--json")[1])
    d0 = drops()
    rc, err, seen = protect_one(n, "oseq", 0x3003, 51, 8,
                                "test_packets_used=%d" % (2**32 - 1 - 5))
    check(rc == 0, "sa add with test_packets_used: " + err)
    st1 = json.loads(ctl("show", "stats", "--json")[1])
    d1 = drops()
    check(seen == 5, "exactly the 5 sequence numbers left were used (%d)" % seen)
    check(d1.get("seq-overflow", 0) - d0.get("seq-overflow", 0) >= 1,
          "packets past the sequence space counted as seq-overflow")
    check(st1["soft_events"] > st0["soft_events"] and st1["hard_events"] > st0["hard_events"],
          "rekey (soft) event and hard event at the end of the sequence space")
    check("oseq" not in sa_rows(), "exhausted SA deleted")
    # with ESN the 32-bit boundary is no limit
    rc, err, seen = protect_one(n, "oesn", 0x3004, 52, 8, "esn=true",
                                "test_packets_used=%d" % (2**32 - 1 - 5))
    check(rc == 0 and seen == 8, "ESN SA keeps going past 2^32 packets (%d) %s" % (seen, err))
    ctl("sa", "del", "oesn")


def test_churn(n):
    """Add and delete SAs/policies through the rings while traffic flows."""
    stop = threading.Event()
    sent = [0]
    sa = sa_i4()

    def traffic():
        seq = 5000
        while not stop.is_set():
            n.from_host(IP(src="198.18.1.2", dst="198.18.2.2") / UDP(sport=8, dport=9) / Raw(b"churn"))
            seq += 1
            n.from_remote(sa.encrypt(IP(src="198.18.2.2", dst="198.18.1.2") / UDP(sport=8, dport=9)
                                     / Raw(b"churn-in"), seq_num=seq))
            n.from_host(IP(src="198.18.1.2", dst="198.18.2.77") / UDP(sport=8, dport=9) / Raw(b"c77"))
            sent[0] += 1
            time.sleep(0.001)

    before = sa_rows()
    t = threading.Thread(target=traffic)
    t.start()
    ok = True
    for i in range(40):
        spi_o, spi_i = 0x4000 + i, 0x5000 + i
        steps = [
            ("sa", "add", "name=co%d" % i, "direction=out", "spi=%d" % spi_o, "mode=tunnel",
             "algorithm=aes-gcm-256", "key=0x" + os.urandom(36).hex(), "local=198.18.0.1",
             "remote=198.18.0.2"),
            ("sa", "add", "name=ci%d" % i, "direction=in", "spi=%d" % spi_i, "mode=tunnel",
             "algorithm=aes-cbc-128-sha256", "key=0x" + os.urandom(16).hex(),
             "auth_key=0x" + os.urandom(32).hex(), "local=198.18.0.1", "remote=198.18.0.2"),
            ("policy", "add", "name=cp%d" % i, "priority=300", "src=198.18.1.0/24",
             "dst=198.18.2.77/32", "action=protect", "sa=co%d" % i),
        ]
        # delete the SA under the policy first on odd rounds (sa-down path)
        dels = [("sa", "del", "co%d" % i), ("policy", "del", "cp%d" % i)] if i % 2 else \
               [("policy", "del", "cp%d" % i), ("sa", "del", "co%d" % i)]
        for st in steps + dels + [("sa", "del", "ci%d" % i)]:
            rc, _, err = ctl(*st)
            if rc != 0:
                ok = False
                print("churn step failed:", st[:3], err.strip())
    stop.set()
    t.join()
    check(ok, "40 rounds of SA/policy add+delete under traffic (%d bursts sent)" % sent[0])
    after = sa_rows()
    check(set(after) == set(before), "only the configured SAs remain")
    check(after["o4"]["packets"] > before["o4"]["packets"] and
          after["i4"]["packets"] > before["i4"]["packets"],
          "the configured tunnel kept carrying traffic in both directions")
    rc, out, _ = ctl("show", "stats", "--json")
    st = json.loads(out)
    check(st["in_flight"] == 0 and st["messages_posted"] == st["messages_acked"],
          "every ring message acknowledged (%d)" % st["messages_posted"])


def raw_req(data, replies=1):
    """Write data to the management socket in one go; return the raw
    bytes of the first `replies` framed replies."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(H.SOCK)
    s.sendall(data)
    buf, got, pos = b"", 0, 0
    try:
        while got < replies:
            c = s.recv(65536)
            if not c:
                break
            buf += c
            while got < replies:
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    break
                size = int(buf[pos:nl].split()[1])
                if len(buf) < nl + 1 + size:
                    break
                pos = nl + 1 + size
                got += 1
    except (socket.timeout, ValueError, IndexError):
        pass
    s.close()
    return buf


def test_bad_requests():
    before = sa_rows()
    for req, what in ((b"\n", "empty line (help)"),):
        check(raw_req(req).startswith(b"OK"), what)
    for req, what in ((b"bogus\n", "unknown command"), (b"show\x01 sas\n", "control characters"),
                      (b"show sas extra\n", "extra words"), (b"show nothing\n", "unknown show"),
                      (b"sa add spi=zz\n", "bad SA value"), (b"sa add name=x\n", "incomplete SA"),
                      (b"sa del nope\n", "delete unknown SA"),
                      (b"policy add name=x action=protect sa=nope\n", "policy on unknown SA"),
                      (b"policy add name=x action=protect sa=i4 dst=198.18.2.0/24\n",
                       "policy on an inbound SA"),
                      (b"reload /nonexistent.yaml\n", "reload missing file"),
                      (b" ".join([b"w"] * 100) + b"\n", "too many words"),
                      (b"sa add name=o4 spi=0x1001 direction=out algorithm=aes-gcm-128 key=0x"
                       + K_OUT.hex().encode() + b" local=198.18.0.1 remote=198.18.0.2\n",
                       "duplicate SA name")):
        check(raw_req(req).startswith(b"ERR"), "malformed request gets ERR: " + what)
    check(raw_req(b"x" * 9000).startswith(b"ERR"), "overlong request line gets ERR")
    rc, out, _ = ctl("show", "version")
    check(rc == 0 and "espgw" in out, "daemon still answers")
    check(set(sa_rows()) == set(before), "bad requests changed nothing")


def test_reload(cfg_path, n):
    before = sa_rows()
    good = open(cfg_path).read()
    open(cfg_path, "w").write(good.replace("policies:", "policies: [\n"))
    rc, _, err = ctl("reload")
    check(rc == 1 and cfg_path + ":" in err, "bad file refused with file:line (%s)" % err.strip())
    check(sa_rows().keys() == before.keys(), "bad reload changed nothing")
    extra = "\n" + sa_yaml("onew", "outbound", 0x1003, K_OUT, "198.18.0.1", "198.18.0.2")
    open(cfg_path, "w").write(config(extra_sas=extra))
    rc, out, err = ctl("reload")
    check(rc == 0, "good reload: " + (out + err).strip())
    after = sa_rows()
    check("onew" in after and after["o4"]["packets"] >= before["o4"]["packets"] > 0,
          "reload added the new SA and kept o4's counters")
    # a reload while a deletion is still in flight (one write: no ring
    # polling in between) must not delete that SA a second time
    reply = raw_req(b"sa del o6\nreload\n", replies=2)
    check(reply.startswith(b"OK") and b"\nOK " in reply, "delete + reload in one write: both OK (%r)" % reply)
    rc, out, _ = ctl("show", "version")
    check(rc == 0, "daemon alive after delete + reload")
    time.sleep(0.3)
    rows = sa_rows()
    check("o6" in rows, "reload brought o6 back")
    st = json.loads(ctl("show", "stats", "--json")[1])
    check(st["crypto_sessions"] == len(rows) and st["in_flight"] == 0,
          "one crypto session per SA, none freed twice (%d sessions, %d SAs)"
          % (st["crypto_sessions"], len(rows)))
    open(cfg_path, "w").write(good)


def test_show():
    """Every show command answers as text and as JSON."""
    for w in ("version", "ports", "workers", "policies", "sas", "counters", "drops", "stats"):
        rc, out, _ = ctl("show", w)
        check(rc == 0 and out.strip() != "", "show %s answers" % w)
        rc, out, _ = ctl("show", w, "--json")
        try:
            json.loads(out)
            ok = rc == 0
        except ValueError:
            ok = False
        check(ok, "show %s --json is JSON" % w)
    # one line per reason in common/drop.h, under a header
    drop_h = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common",
                          "drop.h")
    reasons = sum(1 for l in open(drop_h) if l.strip().startswith("X("))
    rc, out, _ = ctl("show", "drops", "all")
    check(rc == 0 and reasons >= 26 and out.count("\n") == reasons + 1,
          "show drops all lists every reason (%d)" % reasons)
    ports = json.loads(ctl("show", "ports", "--json")[1])
    check([p["name"] for p in ports] == ["inside", "outside"] and
          ports[1]["mtu"] == OUT_MTU and not ports[0]["inline_ipsec"],
          "show ports: names, MTU, no inline IPsec on veth")
    pol = json.loads(ctl("show", "policies", "--json")[1])
    check({p["name"] for p in pol} >= {"p4", "p6"}, "show policies lists the configured ones")


def test_telemetry():
    """The same counters through DPDK telemetry (its v2 socket)."""
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % H.EGP
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    json.loads(s.recv(16384))

    def q(cmd):
        s.send(cmd.encode())
        return json.loads(s.recv(65536))[cmd]

    tel = q("/espgw/drops")
    mine = {k.replace("-", "_"): v for k, v in drops().items()}
    check(tel.get("mtu_exceeded") == mine.get("mtu_exceeded") > 0 and
          set(tel) == set(mine), "telemetry /espgw/drops equals espgwctl's drops")
    ports = q("/espgw/ports")
    check(set(ports) == {"inside", "outside"} and ports["inside"]["rx_packets"] > 0,
          "telemetry /espgw/ports has both ports with traffic")
    check("worker0" in q("/espgw/workers"), "telemetry /espgw/workers")
    s.close()


def main():
    return H.run_suite(ESPGW, config(), (
        lambda n, _: test_first_packet(n), lambda n, _: test_gratuitous_arp(n),
        lambda n, _: test_static_neighbour(n),
        lambda n, _: test_mtu(n),
        lambda n, _: test_lifetimes(n),
        (lambda n, _: test_seq_exhaustion(n)) if HOOKS else None,
        lambda n, _: test_churn(n), lambda n, _: test_bad_requests(),
        lambda n, cfg: test_reload(cfg, n), lambda n, _: test_telemetry(),
        lambda n, _: test_show()))


if __name__ == "__main__":
    sys.exit(main())
