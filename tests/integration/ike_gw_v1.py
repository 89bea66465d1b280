#!/usr/bin/python3
"""espgw as an IKEv1 VPN gateway against strongSwan's charon (`version = 1`),
in the topology of ike_gw.py (whose helpers it uses): IKE through the DPDK
ports, quick mode SAs in the data plane, UDP-encapsulated ESP carrying
traffic.

  [h] 198.18.1.2 -- eg-in [gw: espgw] eg-out -- 198.18.0.2 [r: charon, 198.18.2.1 on lo]

Both roles: main mode PSK, traffic, `show ike` with phase and mode, quick
mode rekeys and phase 1 re-establishment from both sides under two-way
traffic with zero loss; DPD (RFC 3706) after killing charon; INITIAL-CONTACT
from a restarted charon replacing the old SAs at once; an IKEv1 and
an IKEv2 connection to the same peer at the same time; espgw behind a
masquerading NAT (NAT-D, the float to 4500, NAT keepalives); remote access:
charon as an XAUTH client (`auth = xauth` as its second round) asking for a
virtual IP (`vips`), traffic to and from that address only, a wrong password
refused.

usage: ike_gw_v1.py ESPGW ESPGWCTL   (run by in_netns.sh)
"""
import os
import subprocess
import sys
import time

import ike_gw as G
import ike_gw_nat
import ike_gw_ra as GR
from ike_gw import C, H, check, ctl

V1 = "    version: 1\n"


def v1_load():
    C.charon_load("aes256-sha256-modp2048", "aes256-sha256")


def show_v1(role):
    st = G.ike_state()
    check(st and st[0].get("version") == 1 and st[0].get("mode") == "main" and
          st[0].get("phase") == 2, "%s: show ike: IKEv1, main mode, phase 2: %s" %
          (role, {k: st[0].get(k) for k in ("version", "mode", "phase")} if st else None))
    rc, out, _ = ctl("show", "ike")
    check(rc == 0 and "IKEv1 main mode, phase 2" in out and "CHILD routed" in out,
          "%s: show ike as text: %s" % (role, out.strip().replace("\n", " | ")[:160]))


def rekeys_under_traffic(role):
    """datagrams both ways every 5 ms while espgw re-keys the quick mode SA,
    then re-establishes phase 1, then charon does both: not one lost"""
    n = 1400
    got = G.two_way(n, [
        ("espgw quick mode rekey", lambda: ctl("ike", "rekey", "gw", "child")[0] == 0),
        ("espgw phase 1 re-established", lambda: ctl("ike", "rekey", "gw", "ike")[0] == 0),
        ("charon quick mode rekey", lambda: C.swanctl("--rekey", "--child", "net").returncode == 0),
        ("charon phase 1 re-established",
         lambda: C.swanctl("--rekey", "--ike", "gw", "--reauth").returncode == 0),
    ], role, gap=1.5)
    check(got == [n, n], "%s: zero loss through two rekeys and two re-establishments: "
          "%d/%d out, %d/%d in" % (role, got[0], n, got[1], n))
    time.sleep(4)       # the replaced SAs' grace
    # charon keeps the ISAKMP SA it re-established, childless, until its
    # lifetime (so does espgw, the responder of that): one holds the tunnel
    s = [x for x in G.ike_state() if x["children"]]
    check(len(s) == 1 and s[0]["state"] == "established" and s[0]["child"]["up"] and
          len(s[0]["children"]) == 1, "%s: one ISAKMP SA holds the one CHILD_SA: %s" %
          (role, [(x["spi_i"], x["state"], len(x["children"])) for x in G.ike_state()]))
    if len(s) != 1:
        print("\n".join(l for l in C.charon_log().splitlines()[-400:]
                        if "[IKE]" in l or "[ENC]" in l or "[NET]" in l))
    check(len(G.dynamic_sas()) == 2, "%s: the replaced SAs are gone (%d SAs in the data plane)"
          % (role, len(G.dynamic_sas())))
    check(G.ping(3) == 3, "%s: traffic after the rekeys" % role)
    log = C.charon_log()
    if s:
        check(C.charon_spis(log) == (s[0]["child"]["spi_out"], s[0]["child"]["spi_in"]),
              "%s: the current CHILD_SA's SPIs agree with charon's newest" % role)


def run(start):
    gw, _, logp = H.start_espgw(G.ESPGW, G.config(start, V1))
    try:
        role = "v1 initiator" if start == "start" else "v1 responder"
        G.charon_initiates(start, role)
        s = G.wait_up()
        check(s is not None, "espgw as %s: phase 1 and quick mode done" % role)
        if s is None:
            print(C.charon_log()[-4000:])
            return
        check(s["nat_t"] and s["remote"].endswith("[4500]"),
              "%s: NAT-T, IKE floated to 4500 (%s)" % (role, s["remote"]))
        check(s["algorithms"] == "aes256-sha256-prfsha256-modp2048",
              "%s: phase 1 algorithms %s" % (role, s["algorithms"]))
        sas = G.dynamic_sas()
        check(len(sas) == 2 and {x["direction"] for x in sas} == {"inbound", "outbound"},
              "%s: an inbound and an outbound SA in the data plane" % role)
        check(C.charon_spis(C.charon_log()) == (s["child"]["spi_out"], s["child"]["spi_in"]),
              "%s: SPIs agree with charon's" % role)
        show_v1(role)
        n = G.ping(5)
        check(n == 5, "%s: ping through the tunnel %d/5" % (role, n))
        n = G.udp_stream(500)
        check(n == 500, "%s: UDP through the tunnel %d/500" % (role, n))
        rekeys_under_traffic(role)
        rc, _, err = ctl("ike", "terminate", "gw")
        check(rc == 0, "%s: espgwctl ike terminate: %s" % (role, err.strip()))
        for _ in range(50):
            if not G.ike_state() and not G.dynamic_sas():
                break
            time.sleep(0.1)
        check(not G.ike_state() and not G.dynamic_sas(), "%s: SAs removed" % role)
        time.sleep(0.5)
        check("received DELETE for ISAKMP_SA" in C.charon_log() or
              "deleting IKE_SA" in C.charon_log(), "%s: charon saw the delete" % role)
        check(G.ping(2) == 0, "%s: no traffic without the tunnel" % role)
    finally:
        H.stop_espgw(gw, logp)


def dead_peer():
    """charon dies: R-U-THERE (dpd 2 s, then 2 tries 0.5 s apart) finds it"""
    extra = V1 + "    dpd: 2\n    retransmit_ms: 500\n    retransmit_tries: 2\n"
    gw, _, logp = H.start_espgw(G.ESPGW, G.config("start", extra))
    try:
        H.warm_neighbours()
        check(G.wait_up() is not None, "v1 dpd: tunnel up")
        check(G.ping(2) == 2, "v1 dpd: traffic flows")
        time.sleep(3)
        check(G.ike_state() != [], "v1 dpd: a live peer answers R-U-THERE (still up after 3 s)")
        C.charon_pid.kill()
        C.charon_pid.wait()
        t0 = time.time()
        while time.time() - t0 < 15 and (G.ike_state() or G.dynamic_sas()):
            time.sleep(0.1)
        took = time.time() - t0
        check(not G.ike_state() and not G.dynamic_sas() and took < 9,
              "v1 dpd: dead peer found and its SAs removed in %.1f s" % took)
    finally:
        H.stop_espgw(gw, logp)


def both_load():
    """charon: gw1 over IKEv1 for 198.18.2.0/24, gw2 over IKEv2 for 198.18.5.0/24"""
    conf = "connections {\n"
    for name, ver, net in (("gw1", 1, "198.18.2.0/24"), ("gw2", 2, "198.18.5.0/24")):
        conf += """  %s {
    version = %d
    local_addrs = 198.18.0.2
    remote_addrs = 198.18.0.1
    proposals = aes256-sha256-modp2048
    local { auth = psk
      id = 198.18.0.2 }
    remote { auth = psk
      id = 198.18.0.1 }
    children { net%d { local_ts = %s
      remote_ts = 198.18.1.0/24
      esp_proposals = aes256-sha256 } }
  }
""" % (name, ver, ver, net)
    conf += '}\nsecrets { ike-gw { id-a = 198.18.0.1\n id-b = 198.18.0.2\n secret = "%s" } }\n' % G.PSK
    C.swanctl_load(conf)


def both_versions():
    extra = """    version: 1
  - name: gw2
    local: 198.18.0.1
    remote: 198.18.0.2
    psk: "%s"
    proposals: "aes256-sha256-modp2048"
    esp_proposals: "aes256-sha256"
    local_ts: 198.18.1.0/24
    remote_ts: 198.18.5.0/24
    version: 2
""" % G.PSK
    gw, _, logp = H.start_espgw(G.ESPGW, G.config("none", extra))
    try:
        H.warm_neighbours()
        time.sleep(0.5)
        for child in ("net1", "net2"):
            r = C.swanctl("--initiate", "--child", child, "--timeout", "10")
            check(r.returncode == 0, "both versions: charon initiates %s" % child)
        st = G.ike_state()
        vers = sorted((x["connection"], x.get("version")) for x in st)
        check(vers == [("gw", 1), ("gw2", 2)], "both versions: an IKEv1 and an IKEv2 SA "
              "with one peer at once: %s" % vers)
        check(G.ping(3) == 3, "both versions: traffic through the IKEv1 tunnel")
        check(G.ping_to("198.18.5.1", 3) == 3, "both versions: traffic through the IKEv2 tunnel")
    finally:
        H.stop_espgw(gw, logp)


RA = """    version: 1
    xauth: server
    pools: rw4
users:
  - { name: alice, password: "alice-pw" }
  - { name: bob, password: "bob-pw" }
pools:
  - { name: rw4, addrs: 198.18.7.0/24, dns: 198.18.7.53 }
"""


def ra_load(password="alice-pw"):
    """charon as a road warrior: PSK, then XAUTH as alice, a virtual IP"""
    GR.rw_load(version=1, local="local { auth = psk\n      id = 198.18.0.2 }\n"
              "    local-xauth { auth = xauth\n      xauth_id = alice }",
              secret='xauth-alice { id = alice\n    secret = "%s" }' % password,
              proposals="aes256-sha256-modp2048", esp="aes256-sha256")


def remote_access():
    gw, _, logp = H.start_espgw(G.ESPGW, G.config("none", RA))
    try:
        G.charon_initiates("none", "xauth")
        s = G.wait_up()
        check(s is not None, "xauth: phase 1, XAUTH, Mode Config and quick mode done")
        if s is None:
            print("\n".join(C.charon_log().splitlines()[-60:]))
            return
        check(s.get("user") == "alice" and s.get("virtual_ips") == ["198.18.7.1"],
              "xauth: show ike: user alice, virtual IP 198.18.7.1: %s %s" %
              (s.get("user"), s.get("virtual_ips")))
        ch = s["children"][0] if s["children"] else {}
        check(ch.get("remote_ts") == "198.18.7.1/32" and ch.get("local_ts") == "198.18.1.0/24",
              "xauth: the CHILD_SA's selectors are the virtual IP and our net: %s === %s" %
              (ch.get("local_ts"), ch.get("remote_ts")))
        log = C.charon_log()
        check("XAuth authentication of 'alice' (myself) successful" in log,
              "xauth: charon reports its XAUTH successful")
        check("installing new virtual IP 198.18.7.1" in log,
              "xauth: charon installed the virtual IP 198.18.7.1")
        r = C.swanctl("--list-sas")
        check("local  198.18.7.1/32" in r.stdout and "remote 198.18.1.0/24" in r.stdout,
              "xauth: charon's CHILD_SA is from the virtual IP: %s" %
              " ".join(r.stdout.split())[-160:])
        n = G.ping_to("198.18.7.1", 5)
        check(n == 5, "xauth: ping to the virtual IP through the tunnel %d/5" % n)
        pools = G.show_json("ike", "pools") or []
        check(pools and pools[0]["online"] == 1 and pools[0]["leases"] ==
              [{"address": "198.18.7.1", "owner": "alice", "state": "online"}],
              "xauth: show ike pools: alice holds 198.18.7.1: %s" % pools)
        rc, out, _ = ctl("show", "ike", "pools")
        check(rc == 0 and "rw4 198.18.7.1-198.18.7.254: 254 addresses, 1 online" in out,
              "xauth: show ike pools as text: %s" % out.strip().replace("\n", " | "))
        # a quick mode rekey keeps the address and the traffic
        check(ctl("ike", "rekey", "gw", "child")[0] == 0, "xauth: espgw rekeys the CHILD_SA")
        time.sleep(2)
        check(G.ping_to("198.18.7.1", 3) == 3, "xauth: traffic after the rekey")
        check(C.swanctl("--terminate", "--ike", "gw", "--timeout", "5").returncode == 0,
              "xauth: charon ends the tunnel")
        for _ in range(50):
            if not G.ike_state():
                break
            time.sleep(0.1)
        pools = G.show_json("ike", "pools") or []
        check(not G.ike_state() and pools and pools[0]["offline"] == 1 and
              pools[0]["online"] == 0, "xauth: after the delete the lease is offline: %s" %
              pools)
        # a wrong password: charon fails, espgw counts it, nothing stays
        ra_load("not-alices-password")
        r = C.swanctl("--initiate", "--child", "net", "--timeout", "10")
        check(r.returncode != 0, "xauth: a wrong password fails at charon")
        time.sleep(1)
        st = G.show_json("ike", "stats") or {}
        check(st.get("xauth_failed") == 1 and st.get("xauth_ok") == 1,
              "xauth: espgw counted one failed and one good XAUTH: %s/%s" %
              (st.get("xauth_failed"), st.get("xauth_ok")))
        check(not [x for x in G.ike_state() if x["state"] == "established"] and
              not G.dynamic_sas(), "xauth: nothing established for the wrong password")
    finally:
        H.stop_espgw(gw, logp)


def main():
    C.VERSION = 1
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "198.18.2.1/32", "dev", "lo"], check=True)
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "198.18.5.1/32", "dev", "lo"], check=True)
    H.setns(H.NS_GW)
    if os.environ.get("IKE_GW_V1_ONLY") == "remote_access":     # for development
        G.with_charon(remote_access, load=ra_load)
        return H.summary()
    for start in ("start", "none"):
        G.with_charon(run, start, load=v1_load)
    G.with_charon(dead_peer, load=v1_load)
    C.UNIQUE = "replace"    # charon sends INITIAL_CONTACT only then
    G.with_charon(G.initial_contact, V1, load=v1_load)
    C.UNIQUE = "no"
    G.with_charon(both_versions, load=both_load)
    G.with_charon(remote_access, load=ra_load)
    # espgw behind a masquerading NAT (RFC 3947 NAT-D, the float to 4500)
    ike_gw_nat.run(G, V1, load=v1_load)
    C.shutil.rmtree(C.W, ignore_errors=True)
    return H.summary()


if __name__ == "__main__":
    sys.exit(main())
