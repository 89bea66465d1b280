#!/usr/bin/python3
"""espgw as an IKEv2 VPN gateway against strongSwan's charon: IKE through
the DPDK ports, CHILD_SAs installed in the data plane, UDP-encapsulated ESP
(charon's kernel-libipsec always encapsulates) carrying real traffic.

  [h] 198.18.1.2 -- eg-in [gw: espgw] eg-out -- 198.18.0.2 [r: charon, 198.18.2.1 on lo]

usage: ike_gw.py ESPGW ESPGWCTL   (run by in_netns.sh, which builds the namespaces)
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import harness as H
from harness import check, ctl

ESPGW, H.ESPGWCTL = sys.argv[1], sys.argv[2]
sys.argv = [sys.argv[0], os.path.dirname(os.path.dirname(ESPGW))]
import ike_charon as C  # noqa: E402 - reads sys.argv at import

C.B = H.NS_R
C.INSTALL_ROUTES = "yes"
PSK = C.PSK


def config(start, extra=""):
    return """workers: %d
mgmt_socket: %s
eal: { file_prefix: %s, hugepages: false, memory_mb: 768 }
mgmt_key_export: true
%sconnections:
  - name: gw
    local: 198.18.0.1
    remote: 198.18.0.2
    psk: "%s"
    proposals: "aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048"
    esp_proposals: "aes128gcm16, aes256-sha256"
    local_ts: 198.18.1.0/24
    remote_ts: 198.18.2.0/24
    start: %s
%s""" % (H.WORKERS, H.SOCK, H.EGP, H.PORTS_YAML % ("", ""), PSK, start, extra)


def show_json(*what):
    """espgwctl show WHAT --json, parsed; None when it fails"""
    rc, out, _ = ctl("show", *what, "--json")
    try:
        return json.loads(out) if rc == 0 else None
    except ValueError:
        return None


def ike_state():
    rc, out, err = ctl("show", "ike", "--json")
    try:
        return json.loads(out) if rc == 0 else []
    except ValueError:
        print("show ike --json is not JSON: %r %r" % (out[:300], err[:200]))
        return []


def wait_up(seconds=15):
    for _ in range(seconds * 10):
        s = ike_state()
        if s and s[0]["state"] == "established" and s[0]["child"]["up"]:
            return s[0]
        time.sleep(0.1)
    print("show ike:", ctl("show", "ike", "--json"))
    return None


def charon_initiates(start, what, children=("net",)):
    """neighbours warm; with start: none, charon initiates each child"""
    H.warm_neighbours()
    if start != "none":
        return
    time.sleep(0.5)
    for child in children:
        r = C.swanctl("--initiate", "--child", child, "--timeout", "10")
        check(r.returncode == 0, "%s: charon initiates %s: %s" % (what, child,
                                                                  r.stdout[-200:]))


def dynamic_sas():
    rc, out, _ = ctl("show", "sas", "--json")
    return [s for s in json.loads(out) if s["name"].startswith("gw-")] if rc == 0 else []


def ping(n=5):
    r = subprocess.run(["ip", "netns", "exec", H.NS_H, "ping", "-c", str(n), "-i", "0.2",
                        "-W", "2", "198.18.2.1"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if "received" in line:
            return int(line.split(",")[1].split()[0])
    return 0


def drain(sock):
    """distinct datagrams read until the socket's timeout; closes it"""
    seen = set()
    try:
        while True:
            seen.add(sock.recv(100))
    except socket.timeout:
        pass
    sock.close()
    return len(seen)


def udp_stream(n=500):
    """n datagrams host -> 198.18.2.1:5001 through the tunnel; how many arrive"""
    H.setns(H.NS_R)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # room for all of them: read only after the last is sent
    rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)    # SO_RCVBUFFORCE
    rx.bind(("198.18.2.1", 5001))
    rx.settimeout(0.5)
    H.setns(H.NS_H)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        tx.sendto(b"espgw-ike-%06d" % i, ("198.18.2.1", 5001))
        if i % 10 == 9:
            time.sleep(0.001)
    n_got = drain(rx)
    tx.close()
    return n_got


def two_way(n, steps, role, gap=1.2):
    """n datagrams each way (5 ms apart) while each of steps (what, fn)
    runs, gap seconds apart: how many arrived [out, in]"""
    H.setns(H.NS_R)
    r_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r_rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    r_rx.bind(("198.18.2.1", 5002))
    r_tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r_tx.bind(("198.18.2.1", 0))
    H.setns(H.NS_H)
    h_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h_rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    h_rx.bind(("198.18.1.2", 5003))
    h_tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def stream():
        for i in range(n):
            h_tx.sendto(b"out-%06d" % i, ("198.18.2.1", 5002))
            r_tx.sendto(b"in-%06d" % i, ("198.18.1.2", 5003))
            time.sleep(0.005)
    t = threading.Thread(target=stream)
    t.start()
    for what, fn in steps:
        time.sleep(gap)
        check(fn(), "%s: %s started" % (role, what))
    t.join()
    time.sleep(0.5)
    got = []
    for sock in (r_rx, h_rx):
        sock.settimeout(0.3)
        got.append(drain(sock))
    r_tx.close()
    h_tx.close()
    H.setns(H.NS_GW)
    return got


def rekeys_under_traffic(role):
    """Both directions stream datagrams (5 ms apart) while espgw rekeys the
    CHILD_SA, then the IKE_SA, then charon does both: not one may be lost."""
    n = 1200
    steps = [("espgw CHILD_SA rekey", lambda: ctl("ike", "rekey", "gw", "child")[0] == 0),
             ("espgw IKE_SA rekey", lambda: ctl("ike", "rekey", "gw", "ike")[0] == 0),
             ("charon CHILD_SA rekey", lambda: C.swanctl("--rekey", "--child", "net").returncode == 0),
             ("charon IKE_SA rekey", lambda: C.swanctl("--rekey", "--ike", "gw").returncode == 0)]
    got = two_way(n, steps, role)
    check(got == [n, n], "%s: zero loss through four rekeys: %d/%d out, %d/%d in"
          % (role, got[0], n, got[1], n))
    s = ike_state()
    check(len(s) == 1 and s[0]["state"] == "established" and s[0]["child"]["up"],
          "%s: one IKE_SA left, established, CHILD_SA up" % role)
    check(len(dynamic_sas()) == 2, "%s: the old SAs are gone (%d IKE SAs in the data plane)"
          % (role, len(dynamic_sas())))
    log = C.charon_log()
    check(log.count("established with SPIs") >= 3,
          "%s: charon saw the CHILD_SA rekeys (%d CHILD_SAs)" % (role, log.count("established with SPIs")))
    if s:
        check(C.charon_spis(log) == (s[0]["child"]["spi_out"], s[0]["child"]["spi_in"]),
              "%s: the current CHILD_SA's SPIs agree with charon's newest" % role)


def ike_keys_decrypt(role):
    """`keys ike` gives Wireshark's ikev2_decryption_table: with it tshark
    decrypts a captured CHILD_SA rekey (its Nonce is inside the encrypted
    payload); without it, it cannot"""
    rc, keys, err = ctl("keys", "ike")
    home = os.path.join(H.WORK, "home-ike")
    os.makedirs(os.path.join(home, ".config", "wireshark"), exist_ok=True)
    open(os.path.join(home, ".config", "wireshark", "ikev2_decryption_table"), "w").write(keys)
    pcap = os.path.join(H.WORK, "ike.pcapng")
    cap = subprocess.Popen([H.ESPGWCTL, "-s", H.SOCK, "capture", "port=outside",
                            "point=rx,tx", "seconds=3", "file=" + pcap],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    ctl("ike", "rekey", "gw", "child")
    _, cerr = cap.communicate(timeout=15)

    def nonces(h):
        r = subprocess.run(["tshark", "-r", pcap, "-Y", "isakmp.exchangetype == 36 && isakmp.nonce",
                            "-T", "fields", "-e", "isakmp.nonce"], capture_output=True,
                           text=True, env=dict(os.environ, HOME=h), timeout=60)
        return [x for x in r.stdout.split() if x]
    check(rc == 0 and len(keys.splitlines()) == 2 and "AES-GCM-128 with 16 octet ICV" in keys,
          "%s: keys ike: one IKEv2 SA (%s)" % (role, (keys + err).strip()[-300:]))
    got, none = nonces(home), nonces(os.path.join(H.WORK, "no-home"))
    check(len(got) == 2 and not none, "%s: tshark decrypts the captured CREATE_CHILD_SA with "
          "the exported IKE keys (%d nonces; %d without keys; %s)" % (role, len(got), len(none),
                                                                    cerr.strip()[-120:]))


def run(start):
    gw, _, logp = H.start_espgw(ESPGW, config(start))
    try:
        role = "initiator" if start == "start" else "responder"
        charon_initiates(start, role)
        s = wait_up()
        check(s is not None, "espgw as %s: IKE_SA and CHILD_SA up" % role)
        if s is None:
            print(C.charon_log()[-4000:])
            return
        check(s["nat_t"] and s["remote"].endswith("[4500]"),
              "%s: NAT-T, IKE floated to 4500 (%s)" % (role, s["remote"]))
        sas = dynamic_sas()
        check(len(sas) == 2 and {x["direction"] for x in sas} == {"inbound", "outbound"},
              "%s: an inbound and an outbound SA in the data plane" % role)
        out = [x for x in sas if x["direction"] == "outbound"]
        check(out and out[0].get("udp_encap", {}).get("dport") == 4500,
              "%s: outbound SA UDP-encapsulated to 4500" % role)
        rc, out_, _ = ctl("show", "policies", "--json")
        pols = [p for p in json.loads(out_) if p["name"].startswith("gw-p")] if rc == 0 else []
        check(len(pols) == 1 and pols[0]["table"] == "tunnel" and
              pols[0]["priority"] > 999999,
              "%s: the CHILD_SA's policy is in the per-tunnel table: %s" % (role, pols))
        check(C.charon_spis(C.charon_log()) == (s["child"]["spi_out"], s["child"]["spi_in"]),
              "%s: SPIs agree with charon's" % role)
        n = ping(5)
        check(n == 5, "%s: ping through the tunnel %d/5" % (role, n))
        n = udp_stream(500)
        check(n == 500, "%s: UDP through the tunnel %d/500" % (role, n))
        if n != 500:
            print(ctl("show", "drops")[1], ctl("show", "sas")[1])
        sas = {x["direction"]: x for x in dynamic_sas()}
        check(sas.get("outbound", {}).get("packets", 0) >= 505 and
              sas.get("inbound", {}).get("packets", 0) >= 5,
              "%s: SA counters %s out / %s in" % (role, sas.get("outbound", {}).get("packets"),
                                                 sas.get("inbound", {}).get("packets")))
        # the listings: every CHILD_SA with its traffic, the connections, counters
        st = ike_state()
        ch = st[0]["children"] if st else []
        check(len(ch) == 1 and ch[0]["state"] == "routed" and
              ch[0]["out"]["packets"] >= 505 and ch[0]["in"]["packets"] >= 5 and
              ch[0]["local_ts"] == "198.18.1.0/24" and ch[0]["rekey_in_s"] > 0,
              "%s: show ike lists the CHILD_SA with its counters: %s" % (role, ch))
        check(st and st[0]["algorithms"] == "aes128gcm16-prfsha256-x25519",
              "%s: show ike names the IKE algorithms" % role)
        rc, out_, _ = ctl("show", "ike")
        check(rc == 0 and "CHILD routed" in out_ and "aes128gcm16" in out_,
              "%s: show ike as text: %s" % (role, out_.strip().replace("\n", " | ")[:200]))
        cs = show_json("ike", "conns") or []
        check(len(cs) == 1 and cs[0]["name"] == "gw" and cs[0]["ike_sas"] == 1 and
              cs[0]["start"] == start and cs[0]["status"] == "up",
              "%s: show ike conns: up (%s)" % (role, cs))
        own = show_json("sa", sas.get("outbound", {}).get("name", "-")) or {}
        check(st and own.get("ike_sa", {}).get("spi_i") == st[0]["spi_i"] and
              len(show_json("sas", "conn=gw") or []) == 2 and
              [x["spi_i"] for x in show_json("ike", "gw") or []] == [st[0]["spi_i"]],
              "%s: show sa: its IKE SA; show sas conn=gw; show ike gw" % role)
        ks = show_json("ike", "stats") or {}
        check(ks.get("ike_up", 0) >= 1 and ks.get("child_up", 0) >= 1 and ks.get("ike_sas") == 1,
              "%s: show ike stats: %s" % (role, out_.strip().replace("\n", "")[:160]))
        if start == "start":
            ike_keys_decrypt(role)
        rc, _, err = ctl("show", "ike", "bogus")
        check(rc != 0 and "no connection bogus" in err, "%s: show ike bogus is an error" % role)
        # a reload leaves IKE's SAs and policy alone
        rc, out_, err = ctl("reload")
        check(rc == 0, "%s: reload: %s" % (role, (out_ + err).strip()))
        check(len(dynamic_sas()) == 2, "%s: reload kept the IKE SAs" % role)
        n = ping(3)
        check(n == 3, "%s: ping after reload %d/3" % (role, n))
        rekeys_under_traffic(role)
        rc, _, err = ctl("ike", "terminate", "gw")
        check(rc == 0, "%s: espgwctl ike terminate: %s" % (role, err.strip()))
        for _ in range(50):
            if not ike_state() and not dynamic_sas():
                break
            time.sleep(0.1)
        check(not ike_state() and not dynamic_sas(), "%s: IKE_SA and its SAs removed" % role)
        cs = (show_json("ike", "conns") or [{}])[0]
        check(cs.get("status") == "down" and cs.get("last_end") and cs.get("last_end_s_ago", 9) < 5,
              "%s: show ike conns: down, why and when (%s)" % (role, cs))
        time.sleep(0.5)
        check("IKE_SA deleted" in C.charon_log() or "deleting IKE_SA" in C.charon_log(),
              "%s: charon saw the delete" % role)
        check(ping(2) == 0, "%s: no traffic without the tunnel" % role)
        rc, _, _ = ctl("ike", "initiate", "nope")
        check(rc != 0, "%s: initiate of an unknown connection is an error" % role)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def dead_peer():
    """charon dies: liveness checks (dpd 2 s, then 0.5 + 1 + 2 s of
    retransmits) find it and the tunnel leaves the data plane"""
    extra = "    dpd: 2\n    retransmit_ms: 500\n    retransmit_tries: 2\n"
    gw, _, logp = H.start_espgw(ESPGW, config("start", extra))
    try:
        H.warm_neighbours()
        check(wait_up() is not None, "dpd: tunnel up")
        check(ping(2) == 2, "dpd: traffic flows")
        C.charon_pid.kill()
        C.charon_pid.wait()
        t0 = time.time()
        while time.time() - t0 < 15 and (ike_state() or dynamic_sas()):
            time.sleep(0.1)
        took = time.time() - t0
        print("dpd: charon killed, tunnel removed after %.1f s" % took)
        check(not ike_state() and not dynamic_sas() and took < 9,
              "dpd: dead peer detected and its SAs removed in %.1f s (limit 2 + 3.5 s + slack)"
              % took)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def trap():
    """start: trap: no tunnel until traffic for it; the first packets ask
    IKE for it (counted as spd-trap drops), then traffic flows; after a
    terminate the trap catches the next packet again"""
    # two more trapped connections whose names share their first 24
    # characters: each must get a trap policy of its own
    longs = ["a-very-long-connection-name-%d" % i for i in (1, 2)]
    extra = "".join("""  - name: %s
    local: 198.18.0.1
    remote: 198.18.0.2
    psk: "%s"
    local_ts: 198.18.1.0/24
    remote_ts: 198.19.%d.0/24
    start: trap
""" % (n, PSK, 10 + i) for i, n in enumerate(longs))
    gw, _, logp = H.start_espgw(ESPGW, config("trap", extra))
    try:
        H.warm_neighbours()
        time.sleep(1)
        check(not ike_state(), "trap: no IKE_SA before traffic")
        rc, out, _ = ctl("show", "policies", "--json")
        pols = json.loads(out) if rc == 0 else []
        check(any(p["name"] == "gw-trap" and p["action"] == "trap" and p["table"] == "acl"
                  for p in pols), "trap: the trap policy is installed (in the ACL SPD)")
        traps = {p["name"] for p in pols if p["action"] == "trap"}
        check(len(traps) == 3, "trap: connections whose names share 24 characters get a "
              "trap policy each: %s" % sorted(traps))
        for attempt in range(2):
            n = ping(10)
            s = ike_state()
            check(s and s[0]["state"] == "established" and s[0]["role"] == "initiator",
                  "trap: traffic set up the tunnel, espgw initiating (%d)" % attempt)
            check(n >= 5, "trap: ping flows once it is up: %d/10 (%d)" % (n, attempt))
            rc, out, _ = ctl("show", "drops", "--json")
            d = json.loads(out) if rc == 0 else {}
            check(d.get("spd-trap", 0) >= 1, "trap: packets before the tunnel count as "
                  "spd-trap: %s" % d.get("spd-trap"))
            check(ping(3) == 3, "trap: then every packet goes through (%d)" % attempt)
            rc, _, _ = ctl("ike", "terminate", "gw")
            for _ in range(50):
                if not ike_state() and not dynamic_sas():
                    break
                time.sleep(0.1)
            check(not ike_state(), "trap: terminated (%d)" % attempt)
            time.sleep(0.5)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def charon_load_two():
    """charon with two children: net (198.18.2.0/24) and net2 (198.18.5.0/24,
    ICMP only)"""
    C.swanctl_load("""connections {
  gw {
    version = 2
    local_addrs = 198.18.0.2
    remote_addrs = 198.18.0.1
    proposals = aes128gcm16-prfsha256-x25519
    local { auth = psk
      id = 198.18.0.2 }
    remote { auth = psk
      id = 198.18.0.1 }
    children {
      net { local_ts = 198.18.2.0/24
        remote_ts = 198.18.1.0/24
        esp_proposals = aes128gcm16 }
      net2 { local_ts = 198.18.5.0/24[icmp]
        remote_ts = 198.18.1.0/24[icmp]
        esp_proposals = aes128gcm16 }
    }
  }
}
secrets {
  ike-gw {
    id-a = 198.18.0.1
    id-b = 198.18.0.2
    secret = "%s"
  }
}
""" % PSK)


def ping_to(dst, n=3):
    r = subprocess.run(["ip", "netns", "exec", H.NS_H, "ping", "-c", str(n), "-i", "0.2",
                        "-W", "2", dst], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if "received" in line:
            return int(line.split(",")[1].split()[0])
    return 0


def two_children(start):
    """two CHILD_SAs on one IKE_SA: espgw asks for the second (more_children)
    after IKE_AUTH, or charon asks for it and espgw takes it; traffic goes
    through each to its own net"""
    role = "initiator" if start == "start" else "responder"
    extra = ("    more_children:\n      - { local_ts: 198.18.1.0/24, remote_ts: 198.18.5.0/24 }\n")
    cfg = config(start, extra).replace(
        "routes:\n", "routes:\n  - { prefix: 198.18.5.0/24, via: 198.18.0.2, port: outside }\n")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates(start, "two children/" + role, ("net", "net2"))
        s = None
        for _ in range(100):
            st = ike_state()
            if len(st) == 1 and len([c for c in st[0]["children"]
                                     if c["state"] == "routed"]) == 2:
                s = st[0]
                break
            time.sleep(0.1)
        check(s is not None, "two children/%s: one IKE_SA with two routed CHILD_SAs" % role)
        if s:
            nets = sorted(c["remote_ts"] for c in s["children"])
            check(nets == ["198.18.2.0/24", "198.18.5.0/24"],
                  "two children/%s: their selectors %s" % (role, nets))
        log = C.charon_log()
        check(log.count("CHILD_SA net{") >= 1 and "CHILD_SA net2{" in log,
              "two children/%s: charon established net and net2" % role)
        n1, n2 = ping_to("198.18.2.1"), ping_to("198.18.5.1")
        check(n1 == 3 and n2 == 3, "two children/%s: ping through each: %d/3, %d/3" %
              (role, n1, n2))
        st = ike_state()
        pk = sorted(c["out"]["packets"] for c in st[0]["children"]) if st else []
        check(len(pk) == 2 and pk[0] >= 3, "two children/%s: each CHILD_SA carried its "
              "traffic: %s" % (role, pk))
        # net2 is ICMP only: its policy says so, and UDP to that net finds none
        rc, out, _ = ctl("show", "policies", "--json")
        pols = [p for p in json.loads(out) if p["selector"]["dst"] == "198.18.5.0/24"] \
            if rc == 0 else []
        check(len(pols) == 1 and pols[0]["selector"]["proto"] == 1 and
              pols[0]["table"] == "tunnel",
              "two children/%s: net2's policy is ICMP only: %s" %
              (role, [p["selector"] for p in pols]))
        before = json.loads(ctl("show", "drops", "--json")[1]).get("spd-no-match", 0)
        H.setns(H.NS_H)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(5):
            u.sendto(b"x", ("198.18.5.1", 9))
        u.close()
        H.setns(H.NS_GW)
        time.sleep(0.3)
        after = json.loads(ctl("show", "drops", "--json")[1]).get("spd-no-match", 0)
        check(after - before == 5, "two children/%s: UDP to net2 is not protected: "
              "%d spd-no-match" % (role, after - before))
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def certs_frag(start):
    """RSA-3072 certificates through espgw's DPDK ports: IKE_AUTH is over
    1500 bytes, and espgw takes no IP fragments (nor does the path here:
    charon's namespace drops them too), so only RFC 7383 gets it through"""
    role = "initiator" if start == "start" else "responder"
    d, t = C.make_certs("rsa")
    cfg = config(start).replace('    psk: "%s"\n' % PSK,
                                '    cert: %s/a.crt\n    key: %s/a.key\n    ca: %s/ca.crt\n'
                                '    remote_id: "%s"\n' % (d, d, d, C.DN_B))
    C.charon_load_cert(d, t)
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates(start, "certs+frag/" + role)
        s = wait_up()
        check(s is not None and s["fragmentation"],
              "certs+frag/%s: tunnel up with certificates, fragmentation negotiated" % role)
        st = show_json("ike", "stats") or {}
        check(st.get("fragments_tx", 0) >= 2 and st.get("fragments_rx", 0) >= 2,
              "certs+frag/%s: IKE fragments sent %s, received %s" %
              (role, st.get("fragments_tx"), st.get("fragments_rx")))
        check(ping(3) == 3, "certs+frag/%s: traffic through the tunnel" % role)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def v6_load():
    C.IP_A, C.IP_B, C.NET_A, C.NET_B = "fd00::1", "fd00::2", "fd00:1::/64", "fd00:2::/64"
    try:
        C.charon_load("aes128gcm16-prfsha256-x25519", "aes128gcm16")
    finally:
        C.IP_A, C.IP_B = "198.18.0.1", "198.18.0.2"
        C.NET_A, C.NET_B = "198.18.1.0/24", "198.18.2.0/24"


def ipv6(start):
    """IKE and ESP over IPv6 through the DPDK ports: fd00::1 <-> fd00::2,
    fd00:1::/64 <-> fd00:2::/64 (UDP-encapsulated ESP over IPv6)"""
    role = "initiator" if start == "start" else "responder"
    cfg = config(start).replace("local: 198.18.0.1", 'local: "fd00::1"').replace(
        "remote: 198.18.0.2", 'remote: "fd00::2"').replace(
        "local_ts: 198.18.1.0/24", 'local_ts: "fd00:1::/64"').replace(
        "remote_ts: 198.18.2.0/24", 'remote_ts: "fd00:2::/64"')
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates(start, "ipv6/" + role)
        s = wait_up()
        check(s is not None and s["remote"] == "fd00::2[4500]",
              "ipv6/%s: tunnel up over IPv6 with NAT-T (%s)" % (role, s and s["remote"]))
        r = subprocess.run(["ip", "netns", "exec", H.NS_H, "ping", "-6", "-c", "5", "-i", "0.2",
                            "-W", "2", "fd00:2::1"], capture_output=True, text=True)
        check(" 5 received" in r.stdout, "ipv6/%s: ping6 through the tunnel: %s" %
              (role, [l for l in r.stdout.splitlines() if "received" in l]))
        st = ike_state()
        ch = st[0]["children"] if st else []
        check(len(ch) == 1 and ch[0]["remote_ts"] == "fd00:2::/64" and
              ch[0]["out"]["packets"] >= 5 and ch[0]["in"]["packets"] >= 5,
              "ipv6/%s: the CHILD_SA carried it: %s" % (role, ch and (ch[0]["in"], ch[0]["out"])))
        # espgw stopping deletes its IKE SA at the peer (SIGTERM: Deletes first)
        H.stop_espgw(gw, logp)
        time.sleep(0.5)
        check("received DELETE for IKE_SA" in C.charon_log(),
              "ipv6/%s: stopping espgw sends charon a Delete" % role)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def ike_sa_init(spi):
    """a valid IKE_SA_INIT request: AES-GCM-128, PRF-SHA256, X25519 (any 32
    bytes are a public value), a nonce"""
    t = lambda last, ttype, tid, attr=b"": struct.pack(
        "!BBHBBH", 0 if last else 3, 0, 8 + len(attr), ttype, 0, tid) + attr
    trans = t(0, 1, 20, struct.pack("!HH", 0x800e, 128)) + t(0, 2, 5) + t(1, 4, 31)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(trans), 1, 1, 0, 3) + trans
    sa = struct.pack("!BBH", 34, 0, 4 + len(prop)) + prop
    ke = struct.pack("!BBHHH", 40, 0, 8 + 32, 31, 0) + os.urandom(32)
    nonce = struct.pack("!BBH", 0, 0, 4 + 32) + os.urandom(32)
    body = sa + ke + nonce
    return struct.pack("!8s8sBBBBII", spi, b"\0" * 8, 33, 0x20, 34, 0x08, 0,
                       28 + len(body)) + body


def flood():
    """IKE_SA_INIT flood through the DPDK ports (ike: cookie_threshold 8,
    half_open_per_source 2): one source is capped at 2 half-open IKE_SAs,
    past 8 half-open everyone gets a stateless cookie first, and charon
    (which answers cookies) still gets its tunnel"""
    srcs = ["198.18.0.%d" % (100 + i) for i in range(21)]
    for a in srcs:
        subprocess.run(["ip", "-n", H.NS_R, "addr", "add", a + "/32", "dev", "r0"], check=True)
    cfg = config("none").replace("remote: 198.18.0.2", "remote: any").replace(
        "connections:", "ike: { cookie_threshold: 8, half_open_per_source: 2 }\nconnections:")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        H.warm_neighbours()
        H.setns(H.NS_R)
        socks = []
        for k, a in enumerate(srcs):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((a, 0))     # charon holds port 500 here
            socks.append(s)
            for _ in range(5 if k == 0 else 1):
                s.sendto(ike_sa_init(os.urandom(8)), ("198.18.0.1", 500))
                time.sleep(0.02)
        H.setns(H.NS_GW)
        time.sleep(1)
        st = show_json("ike", "stats") or {}
        check(st.get("half_open_refused") == 3 and st.get("half_open") == 8 and
              st.get("cookies_sent") == 14,
              "flood: 2 half-open from one source, 8 in all, then cookies: %s" %
              {k: st.get(k) for k in ("half_open", "half_open_refused", "cookies_sent")})
        r = C.swanctl("--initiate", "--child", "net", "--timeout", "10")
        check(r.returncode == 0, "flood: charon still connects (answering the cookie)")
        s = wait_up()
        check(s is not None, "flood: the legitimate tunnel is up")
        st = show_json("ike", "stats") or {}
        check(st.get("cookies_sent", 0) >= 15 and st.get("ike_up") == 1,
              "flood: charon went through a cookie exchange (%s cookies in all)" %
              st.get("cookies_sent"))
        check(ping(3) == 3, "flood: traffic through the tunnel")
        for s in socks:
            s.close()
    finally:
        H.setns(H.NS_GW)
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)
        for a in srcs:
            subprocess.run(["ip", "-n", H.NS_R, "addr", "del", a + "/32", "dev", "r0"],
                           capture_output=True)


def reload_conns():
    """espgwctl reload adds, changes and removes connections: an unchanged
    one keeps its IKE_SA (same SPIs) and traffic; a changed one is deleted
    and set up anew; a removed one is deleted at charon too; a reload with
    a broken connection changes nothing"""
    base = config("start")
    no_conns = base[:base.index("connections:")]
    other = """  - name: other
    local: 198.18.0.1
    remote: 198.18.0.3
    psk: "another-secret"
    local_ts: 198.18.1.0/24
    remote_ts: 198.18.4.0/24
"""
    gw, path, logp = H.start_espgw(ESPGW, no_conns)
    try:
        H.warm_neighbours()
        check(not ike_state(), "reload: no connections, no IKE_SAs")
        open(path, "w").write(base)
        rc, out, err = ctl("reload")
        check(rc == 0 and "1 connections" in out, "reload: adds gw: " + (out + err).strip())
        s1 = wait_up()
        check(s1 is not None, "reload: the added connection starts its tunnel")
        check(ping(3) == 3, "reload: traffic through the added tunnel")
        open(path, "w").write(base + other)
        rc, out, err = ctl("reload")
        check(rc == 0 and "2 connections" in out, "reload: adds another: " + (out + err).strip())
        time.sleep(0.5)
        s2 = ike_state()
        check(s1 and len(s2) == 1 and s2[0]["spi_i"] == s1["spi_i"] and
              s2[0]["spi_r"] == s1["spi_r"], "reload: gw unchanged keeps its IKE_SA")
        check(ping(3) == 3, "reload: traffic still flows")
        # a connection whose certificate cannot load: the whole reload is refused
        open(path, "w").write(base + other.replace('psk: "another-secret"',
                                                   "cert: /nonexistent.crt\n    key: /x.key\n"
                                                   "    ca: /x.crt"))
        rc, out, err = ctl("reload")
        check(rc != 0 and "other" in err, "reload: a broken connection is refused: " +
              err.strip()[-120:])
        s3 = ike_state()
        check(len(s3) == 1 and s3[0]["spi_i"] == s1["spi_i"], "reload: ...and changes nothing")
        # changed: dpd differs -> the old IKE_SA is deleted, a new one comes up
        open(path, "w").write(base.replace("    start: start", "    dpd: 20\n    start: start") +
                              other)
        deletes = C.charon_log().count("received DELETE for IKE_SA")
        rc, out, err = ctl("reload")
        check(rc == 0, "reload: changes gw: " + (out + err).strip())
        s4 = None
        for _ in range(100):
            st = ike_state()
            if len(st) == 1 and st[0]["spi_i"] != s1["spi_i"] and \
                    st[0]["state"] == "established" and st[0]["child"]["up"]:
                s4 = st[0]
                break
            time.sleep(0.1)
        check(s4 is not None, "reload: the changed connection's tunnel is set up anew")
        check(C.charon_log().count("received DELETE for IKE_SA") > deletes,
              "reload: charon saw the old IKE_SA deleted")
        check(len(dynamic_sas()) == 2, "reload: only the new tunnel's SAs in the data plane")
        check(ping(3) == 3, "reload: traffic through the new tunnel")
        # removed
        open(path, "w").write(no_conns)
        deletes = C.charon_log().count("received DELETE for IKE_SA")
        rc, out, err = ctl("reload")
        check(rc == 0, "reload: removes the connections: " + (out + err).strip())
        for _ in range(50):
            if not ike_state() and not dynamic_sas():
                break
            time.sleep(0.1)
        check(not ike_state() and not dynamic_sas(), "reload: removed tunnel leaves the data plane")
        time.sleep(0.3)
        check(C.charon_log().count("received DELETE for IKE_SA") > deletes,
              "reload: charon saw the removed tunnel deleted")
        check(ping(2) == 0, "reload: no traffic without the tunnel")
        rc, _, _ = ctl("ike", "initiate", "gw")
        check(rc != 0, "reload: the removed connection is gone")
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def initial_contact(extra=""):
    """charon is killed and started again (no DPD on espgw's side): its new
    IKE SA carries INITIAL_CONTACT (IKEv1: INITIAL-CONTACT in main mode),
    and espgw drops the old one and its SAs at once instead of
    black-holing the traffic (RFC 7296 2.4)"""
    tag = "v%d initial-contact" % C.VERSION
    gw, _, logp = H.start_espgw(ESPGW, config("none", extra + "    dpd: 0\n"))
    try:
        charon_initiates("none", tag)
        s1 = wait_up()
        check(s1 is not None and ping(2) == 2, "%s: tunnel up, traffic" % tag)
        C.charon_pid.kill()
        C.charon_pid.wait()
        C.charon_stop()         # its vici socket file stays behind otherwise
        C.charon_start()
        with_charon.load()
        r = C.swanctl("--initiate", "--child", "net", "--timeout", "10")
        check(r.returncode == 0, "%s: the restarted charon connects again" % tag)
        time.sleep(0.5)
        st = ike_state()
        check(len(st) == 1 and s1 and st[0]["spi_i"] != s1["spi_i"],
              "%s: only the new IKE SA is left: %s" % (tag, [(x["spi_i"], x["state"])
                                                            for x in st]))
        if len(st) != 1:
            print("\n".join(l for l in C.charon_log().splitlines() if "ID_PROT" in l or
                            "IKE_AUTH" in l or "INITIAL" in l or "unique" in l.lower()))
        check(len(dynamic_sas()) == 2, "%s: only the new SA pair in the data plane (%d SAs)"
              % (tag, len(dynamic_sas())))
        check(ping(3) == 3, "%s: traffic flows at once" % tag)
    finally:
        H.stop_espgw(gw, logp)


def psk_load():
    C.charon_load("aes128gcm16-prfsha256-x25519", "aes128gcm16")


def with_charon(test, *args, load=psk_load):
    """test(*args) against a fresh charon with load()'s configuration
    (kept as with_charon.load for a test that restarts charon)"""
    with_charon.load = load
    C.charon_start()
    try:
        load()
        test(*args)
    finally:
        C.charon_stop()


def main():
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "198.18.2.1/32", "dev", "lo"], check=True)
    H.setns(H.NS_GW)
    if os.environ.get("IKE_GW_ONLY") == "run":     # for development
        with_charon(run, "start")
        return H.summary()
    if os.environ.get("IKE_GW_ONLY") == "initial_contact":     # for development
        with_charon(initial_contact)
        return H.summary()
    for start in ("start", "none"):
        with_charon(run, start)
    with_charon(dead_peer)
    with_charon(initial_contact)
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "fd00:2::1/128", "dev", "lo"], check=True)
    for start in ("start", "none"):
        with_charon(ipv6, start, load=v6_load)
    with_charon(lambda: (reload_conns(), trap()))
    with_charon(flood)
    # IP fragments die on the way to charon, as behind many firewalls
    subprocess.run(["ip", "netns", "exec", H.NS_R, "iptables", "-t", "raw", "-A", "PREROUTING",
                    "-m", "u32", "--u32", "4&0x3FFF=0x1:0x3FFF", "-j", "DROP"], check=True)
    for start in ("start", "none"):
        with_charon(certs_frag, start, load=lambda: None)
    subprocess.run(["ip", "netns", "exec", H.NS_R, "iptables", "-t", "raw", "-F"], check=True)
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "198.18.5.1/32", "dev", "lo"], check=True)
    for start in ("start", "none"):
        with_charon(two_children, start, load=charon_load_two)
    import ike_gw_nat
    ike_gw_nat.run(sys.modules[__name__])
    C.shutil.rmtree(C.W, ignore_errors=True)
    return H.summary()


if __name__ == "__main__":
    sys.exit(main())
