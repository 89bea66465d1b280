#!/usr/bin/python3
"""IKEv1 interop: espgw's IKE engine (espgw-ike on UDP sockets, --ike-version 1)
against strongSwan's charon (`version = 1`), each in its own namespace, as
ike_charon.py does for IKEv2 (whose helpers it uses).

For each case, espgw as initiator and as responder: phase 1 (main or
aggressive mode, PSK) and a quick mode must complete on both sides with
the same SPIs and the same ESP keys (charon logs them at chd level 4), and
espgw's delete must reach charon. Cases: the phase 1 and ESP algorithms
espgw offers, PFS with several groups, several proposals, aggressive mode
(only when enabled), a wrong PSK; remote access: XAUTH and Mode Config
with espgw as the server (charon `auth = xauth` as its second round, `vips`)
and as the client (charon with `pools` and an `auth = xauth` remote round).

usage: ike_charon_v1.py BUILD_DIR
"""
import re
import sys
import time

import ike_charon as C


def cases():
    # (name, espgw IKE, espgw ESP, charon IKE, charon ESP)
    return [
        ("mm-cbc128-sha256-modp2048", ["aes128-sha256-modp2048"], ["aes128gcm16"],
         "aes128-sha256-modp2048", "aes128gcm16"),
        ("mm-cbc256-sha384-ecp384-pfs-ecp256", ["aes256-sha384-ecp384"], ["aes256-sha256-ecp256"],
         "aes256-sha384-ecp384", "aes256-sha256-ecp256"),
        ("mm-cbc128-sha512-x25519-pfs-modp2048", ["aes128-sha512-x25519"],
         ["aes128gcm16-modp2048"], "aes128-sha512-x25519", "aes128gcm16-modp2048"),
        ("mm-ecp521-pfs-ecp521", ["aes256-sha256-ecp521"], ["aes256gcm16-ecp521"],
         "aes256-sha256-ecp521", "aes256gcm16-ecp521"),
        # an old peer's 3DES and SHA-1, named by the connection (key expansion)
        ("mm-3des-sha1-modp2048", ["3des-sha1-modp2048"], ["aes128-sha256"],
         "3des-sha1-modp2048", "aes128-sha256"),
        # several proposals: charon takes the second of each
        ("mm-several-proposals", ["aes256-sha512-ecp521", "aes128-sha256-modp2048"],
         ["aes256gcm16", "aes128-sha256"], "aes128-sha256-modp2048", "aes128-sha256"),
    ]


def aggressive_refused():
    """aggressive mode is off unless the connection enables it"""
    C.AGGRESSIVE = "yes"
    C.charon_start()
    try:
        C.charon_load("aes128-sha256-modp2048", "aes128gcm16")
        p = C.tool(False, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3)
        time.sleep(0.5)
        C.swanctl("--initiate", "--child", "net", "--timeout", "3")
        evs, err = C.events(p)
        C.check(not any(e["event"] in ("ike_up", "child_up") for e in evs),
                "aggressive mode not enabled: espgw refuses it")
    finally:
        C.charon_stop()
        C.AGGRESSIVE = "no"


def wrong_psk():
    C.charon_start()
    try:
        C.charon_load("aes128-sha256-modp2048", "aes128gcm16", psk="not-the-same-secret")
        p = C.tool(True, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3)
        evs, _ = C.events(p)
        log = C.charon_log()
        C.check(not any(e["event"] in ("ike_up", "child_up") for e in evs),
                "wrong PSK: espgw initiator does not come up")
        C.check(re.search(r"IKE_SA gw\[\d+\] established", log) is None,
                "wrong PSK: charon does not come up")
        p = C.tool(False, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3)
        time.sleep(0.5)
        C.swanctl("--initiate", "--child", "net", "--timeout", "3")
        evs, _ = C.events(p)
        st = [e for e in evs if e["event"] == "stats"]
        C.check(not any(e["event"] == "child_up" for e in evs) and st and
                st[0]["auth_failed"] >= 1, "wrong PSK: espgw responder refuses charon")
    finally:
        C.charon_stop()


def cert_cases():
    """main mode with RSA (3072) and ECDSA (P-256, RFC 4754) certificates from
    strongSwan's pki, DN identities, both roles; a CA espgw does not trust
    is refused"""
    C.CERT_IKE, C.CERT_ESP = "aes128-sha256-modp2048", "aes128gcm16"
    for kind in ("ecdsa", "rsa"):
        d, t = C.make_certs(kind)
        extra = ["--cert", d + "/a.crt", "--key", d + "/a.key", "--ca", d + "/ca.crt",
                 "--remote-id", C.DN_B]
        for initiates in (True, False):
            role = "initiator" if initiates else "responder"
            _, log = C.run_case("mm-cert-" + kind, ["aes128-sha256-modp2048"], ["aes128gcm16"],
                                None, None, initiates, load=lambda: C.charon_load_cert(d, t),
                                tool_extra=extra, psk=False)
            m = re.search(r"authentication of '%s' with (.+?) successful" % C.DN_A, log)
            C.check(m is not None, "mm-cert-%s/%s: charon verified espgw's signature (%s)"
                    % (kind, role, m.group(1) if m else "none"))
    other, _ = C.make_certs("ecdsa-other")
    d, t = C.make_certs("ecdsa")
    C.charon_start()
    try:
        C.charon_load_cert(d, t)
        p = C.tool(True, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3,
                   ["--cert", d + "/a.crt", "--key", d + "/a.key", "--ca", other + "/ca.crt",
                    "--remote-id", C.DN_B], psk=False)
        evs, err = C.events(p)
        C.check(not any(e["event"] == "ike_up" for e in evs) and "certificate not trusted" in err,
                "mm-cert: a certificate from a CA espgw does not trust is refused: " +
                (err.strip().splitlines()[-1][-100:] if err.strip() else ""))
    finally:
        C.charon_stop()


def frag_cases():
    """IKEv1 fragmentation (strongSwan/Cisco): a 1280-byte path that drops
    IP fragments; main mode with RSA-3072 certificates only gets through
    in IKE fragments"""
    A, B = C.A, C.B
    for ns, dev in ((A, "a0"), (B, "b0")):
        C.sh("ip", "-n", ns, "link", "set", dev, "mtu", "1280")
        C.sh("ip", "netns", "exec", ns, "iptables", "-t", "raw", "-A", "PREROUTING", "-m", "u32",
             "--u32", "4&0x3FFF=0x1:0x3FFF", "-j", "DROP")
    try:
        d, t = C.make_certs("rsa-frag")
        extra = ["--cert", d + "/a.crt", "--key", d + "/a.key", "--ca", d + "/ca.crt",
                 "--remote-id", C.DN_B]
        C.charon_start()
        try:
            C.charon_load_cert(d, t)
            p = C.tool(True, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3,
                       extra + ["--frag", "0"], psk=False)
            evs, _ = C.events(p)
            C.check(not any(e["event"] == "ike_up" for e in evs) and C.raw_drops(B) > 0,
                    "v1 frag: without fragments the certificates are lost (%d IP fragments "
                    "dropped)" % C.raw_drops(B))
        finally:
            C.charon_stop()
        for initiates in (True, False):
            role = "initiator" if initiates else "responder"
            before = C.raw_drops(A) + C.raw_drops(B)
            evs, log = C.run_case("v1-frag-rsa", ["aes128-sha256-modp2048"], ["aes128gcm16"],
                                  None, None, initiates, load=lambda: C.charon_load_cert(d, t),
                                  tool_extra=extra, psk=False)
            st = [e for e in evs if e["event"] == "stats"]
            C.check(st and st[0]["frags_tx"] >= 2 and st[0]["frags_rx"] >= 2,
                    "v1-frag-rsa/%s: espgw sent %s and took %s IKEv1 fragments" %
                    (role, st[0]["frags_tx"] if st else "?", st[0]["frags_rx"] if st else "?"))
            C.check(C.raw_drops(A) + C.raw_drops(B) == before,
                    "v1-frag-rsa/%s: no IP fragments on the path" % role)
    finally:
        for ns, dev in ((A, "a0"), (B, "b0")):
            C.sh("ip", "netns", "exec", ns, "iptables", "-t", "raw", "-F", check=False)
            C.sh("ip", "-n", ns, "link", "set", dev, "mtu", "1500", check=False)


def xauth_load(server):
    """charon as the XAUTH client asking for a virtual IP (server False:
    espgw serves), or as the XAUTH server with a pool"""
    if server:
        rounds = "remote { auth = psk\n      id = %s }\n    remote-xauth { auth = xauth }\n" \
                 "    pools = rw" % C.IP_A
        vips, ts = "", "local_ts = %s\n        remote_ts = dynamic" % C.NET_B
    else:
        rounds = "remote { auth = psk\n      id = %s }\n    local-xauth { auth = xauth\n" \
                 "      xauth_id = alice }" % C.IP_A
        vips, ts = "vips = 0.0.0.0", "remote_ts = %s" % C.NET_A
    C.swanctl_load("""connections {
  gw {
    version = 1
    local_addrs = %s
    remote_addrs = %s
    proposals = aes128-sha256-modp2048
    %s
    local { auth = psk
      id = %s }
    %s
    children { net { %s
        esp_proposals = aes128gcm16 } }
  }
}
pools { rw { addrs = 198.18.7.0/24 } }
secrets {
  ike-gw { id-a = %s
    id-b = %s
    secret = "%s" }
  xauth-alice { id = alice
    secret = "alice-pw" }
}
""" % (C.IP_B, C.IP_A, vips, C.IP_B, rounds, ts, C.IP_A, C.IP_B, C.PSK))


def xauth_cases():
    # espgw serves: charon asks, gets 198.18.7.1 from espgw's pool
    evs, log = C.run_case("xauth-server", ["aes128-sha256-modp2048"], ["aes128gcm16"], None,
                          None, False, load=lambda: xauth_load(False),
                          tool_extra=["--xauth-server", "--user", "alice:alice-pw",
                                      "--user", "bob:bob-pw", "--pool",
                                      "198.18.7.1-198.18.7.20"])
    ups = [e for e in evs if e["event"] == "child_up"]
    C.check(ups and ups[0]["remote_ts"] == "198.18.7.1-198.18.7.1",
            "xauth-server: the CHILD_SA's peer selector is the virtual IP (%s)" %
            (ups[0]["remote_ts"] if ups else None))
    C.check("XAuth authentication of 'alice' (myself) successful" in log and
            "installing new virtual IP 198.18.7.1" in log,
            "xauth-server: charon authenticated as alice and took 198.18.7.1")
    # espgw asks: charon serves
    evs, log = C.run_case("xauth-client", ["aes128-sha256-modp2048"], ["aes128gcm16"], None,
                          None, True, load=lambda: xauth_load(True),
                          tool_extra=["--xauth-user", "alice", "--xauth-password", "alice-pw",
                                      "--vip"])
    ups = [e for e in evs if e["event"] == "child_up"]
    C.check(ups and ups[0]["local_ts"] == "198.18.7.1-198.18.7.1",
            "xauth-client: our selector is the virtual IP charon gave (%s)" %
            (ups[0]["local_ts"] if ups else None))
    C.check("XAuth authentication of 'alice' successful" in log and
            "assigning virtual IP 198.18.7.1" in log,
            "xauth-client: charon authenticated alice and assigned 198.18.7.1")
    # a wrong password against charon: no tunnel
    C.charon_start()
    try:
        xauth_load(True)
        p = C.tool(True, ["aes128-sha256-modp2048"], ["aes128gcm16"], 3,
                   ["--xauth-user", "alice", "--xauth-password", "wrong", "--vip"])
        evs, _ = C.events(p)
        C.check(not any(e["event"] == "child_up" for e in evs) and
                "XAuth authentication of 'alice' failed" in C.charon_log(),
                "xauth-client: a wrong password gets no CHILD_SA")
    finally:
        C.charon_stop()


def main():
    C.VERSION = 1
    C.TOOL_ARGS = ["--ike-version", "1"]
    C.netns_up()
    try:
        if C.os.environ.get("IKE_CHARON_V1_ONLY") != "xauth":      # (for development)
            for c in cases():
                for initiates in (True, False):
                    C.run_case(c[0], c[1], c[2], c[3], c[4], initiates)
            # aggressive mode, enabled on both sides
            C.AGGRESSIVE = "yes"
            C.TOOL_ARGS = ["--ike-version", "1", "--aggressive"]
            for initiates in (True, False):
                C.run_case("am-cbc128-sha256-modp2048", ["aes128-sha256-modp2048"],
                           ["aes128gcm16"],
                           "aes128-sha256-modp2048", "aes128gcm16", initiates)
            C.AGGRESSIVE = "no"
            C.TOOL_ARGS = ["--ike-version", "1"]
            aggressive_refused()
            wrong_psk()
            cert_cases()
            frag_cases()
        xauth_cases()
    finally:
        C.cleanup()
    print("%d passed, %d failed" % (C.passed, C.failed))
    sys.exit(1 if C.failed else 0)


if __name__ == "__main__":
    main()
