#!/usr/bin/python3
"""ike_gw.py's NAT case: a masquerading namespace between espgw and
charon; espgw behind it initiates, detects the NAT, carries IKE and ESP in
UDP through the NAT's mapping and keeps it open with keepalives (RFC 3948
2.3). Run from ike_gw.py's main with that module's helpers (G)."""
import os
import subprocess
import time

import harness as H
from harness import check

G = None        # ike_gw, the module whose helpers these cases use


def nat_rewire():
    """Put a masquerading namespace between espgw and charon:
    espgw eg-out 198.18.0.1 -- 198.18.0.254 [nat] 198.18.3.1 -- r0 198.18.3.2 charon"""
    nat = H.EGP + "-nat"
    run = lambda *a: subprocess.run(list(a), check=True, capture_output=True)
    run("ip", "-n", H.NS_R, "link", "del", "r0")          # takes eg-out with it
    run("ip", "netns", "add", nat)
    run("ip", "-n", nat, "link", "set", "lo", "up")
    run("ip", "link", "add", "eg-out", "netns", H.NS_GW, "type", "veth", "peer", "name", "n-in",
        "netns", nat)
    run("ip", "link", "add", "n-out", "netns", nat, "type", "veth", "peer", "name", "r0",
        "netns", H.NS_R)
    run("ip", "netns", "exec", H.NS_GW, "sysctl", "-qw", "net.ipv6.conf.eg-out.disable_ipv6=1")
    run("ip", "-n", nat, "addr", "add", "198.18.0.254/24", "dev", "n-in")
    run("ip", "-n", nat, "addr", "add", "198.18.3.1/24", "dev", "n-out")
    run("ip", "-n", H.NS_R, "addr", "add", "198.18.3.2/24", "dev", "r0")
    for ns, dev in ((H.NS_GW, "eg-out"), (nat, "n-in"), (nat, "n-out"), (H.NS_R, "r0")):
        run("ip", "-n", ns, "link", "set", dev, "up")
        subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off", "rx", "off"],
                       capture_output=True)
    run("ip", "netns", "exec", nat, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    run("ip", "netns", "exec", nat, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "n-out",
        "-j", "MASQUERADE")
    return nat


def keepalives_seen(nat):
    """1-byte UDP datagrams to port 4500 (IP length 29) the NAT forwarded"""
    out = subprocess.run(["ip", "netns", "exec", nat, "iptables", "-L", "FORWARD", "-v", "-n",
                          "-x"], capture_output=True, text=True).stdout
    return sum(int(l.split()[0]) for l in out.splitlines() if "length 29" in l)


def behind_nat(nat, extra=""):
    """espgw behind a masquerading NAT initiates to charon: NAT detected,
    IKE and ESP in UDP through the NAT's mapping, traffic both ways, NAT
    keepalives (RFC 3948 2.3) on the wire (extra: more connection keys)"""
    subprocess.run(["ip", "netns", "exec", nat, "iptables", "-I", "FORWARD", "-p", "udp",
                    "--dport", "4500", "-m", "length", "--length", "29", "-j", "ACCEPT"],
                   check=True, capture_output=True)
    cfg = G.config("start", "    keepalive: 1\n" + extra).replace("remote: 198.18.0.2", "remote: 198.18.3.2").replace(
        "routes:\n", "routes:\n  - { prefix: 198.18.3.0/24, via: 198.18.0.254, port: outside }\n")
    gw, _, logp = H.start_espgw(G.ESPGW, cfg)
    try:
        s = G.wait_up()
        check(s is not None and s["nat_t"] and s["remote"] == "198.18.3.2[4500]",
              "nat: tunnel up through the NAT with NAT-T (%s)" % (s and s["remote"]))
        log = G.C.charon_log()
        check("198.18.3.1" in log, "nat: charon saw espgw as the NAT's address 198.18.3.1")
        n = G.ping(5)
        check(n == 5, "nat: ping through the NAT and the tunnel %d/5" % n)
        n = G.udp_stream(300)
        check(n == 300, "nat: UDP through the NAT and the tunnel %d/300" % n)
        k0 = keepalives_seen(nat)
        time.sleep(3.5)
        k = keepalives_seen(nat) - k0
        sent = (G.show_json("ike", "stats") or {}).get("nat_keepalives", 0)
        check(k >= 2 and sent >= 2, "nat: NAT keepalives every second through the NAT: "
              "%d seen in 3.5 s, %d sent in all" % (k, sent))
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def run(gw_module, extra="", load=None):
    """behind_nat against a fresh charon (load: its configuration, the
    gateway test's PSK one by default; extra: more connection keys)"""
    global G
    G = gw_module
    C = G.C
    nat = nat_rewire()
    try:
        C.IP_B = "198.18.3.2"
        C.REMOTE_ADDRS = "%any"
        G.with_charon(behind_nat, nat, extra, load=load or G.psk_load)
    finally:
        subprocess.run(["ip", "netns", "del", nat], capture_output=True)
