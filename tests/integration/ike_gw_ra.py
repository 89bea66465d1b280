#!/usr/bin/python3
"""espgw as an IKEv2 remote-access concentrator against strongSwan's charon,
in the topology and with the helpers of ike_gw.py: virtual IPs from pools
(the configuration payload, RFC 7296 3.15) over IPv4 and IPv6, EAP-MSCHAPv2
against users (2.16), childless IKE SAs (RFC 6023), redirect to another
gateway (RFC 5685), MOBIKE (RFC 4555) under traffic. (IKEv1's XAUTH and
Mode Config: ike_gw_v1.py.)

usage: ike_gw_ra.py ESPGW ESPGWCTL   (run by in_netns.sh)
"""
import os
import shutil
import subprocess
import sys
import time

from ike_gw import C, H, check, ctl, config, charon_initiates, wait_up, ike_state, \
    show_json, ping, ping_to, with_charon, dynamic_sas, PSK, ESPGW


def rw_load(version=2, local="local { auth = psk\n      id = 198.18.0.2 }",
            secret="", v6=False, proposals="aes128gcm16-prfsha256-x25519",
            esp="aes128gcm16"):
    """charon as a road warrior asking for a virtual IP of its tunnel's
    family: its own authentication rounds (local), espgw's by PSK, a
    further secret (EAP, XAUTH) where it needs one"""
    a, b = ("fd00::1", "fd00::2") if v6 else ("198.18.0.1", "198.18.0.2")
    C.swanctl_load("""connections {
  gw {
    version = %d
    local_addrs = %s
    remote_addrs = %s
    proposals = %s
    vips = %s
    %s
    remote { auth = psk
      id = %s }
    children { net { remote_ts = %s
      esp_proposals = %s } }
  }
}
secrets {
  ike-gw { id-a = %s
    id-b = %s
    secret = "%s" }
  %s
}
""" % (version, b, a, proposals, "::" if v6 else "0.0.0.0", local.replace("198.18.0.2", b), a,
       "fd00:1::/64" if v6 else "198.18.1.0/24", esp, a, b, PSK, secret))


def vip_load(v6):
    """charon asks for a virtual IP (IKEv2 CP) of its tunnel's family"""
    rw_load(v6=v6)


def virtual_ip(v6):
    """IKEv2 configuration payload (RFC 7296 3.15): charon asks for a
    virtual IP in IKE_AUTH, espgw gives the pool's first address; it is the
    CHILD_SA's peer selector, traffic to it flows, `show ike pools` lists
    the lease, a CHILD_SA rekey keeps it, the delete puts it offline"""
    tag = "vip/" + ("ipv6" if v6 else "ipv4")
    vip = "fd00:7::1" if v6 else "198.18.7.1"
    cfg = config("none", """    pools: rw
pools:
  - { name: rw, addrs: %s, dns: %s }
""" % ("fd00:7::/112" if v6 else "198.18.7.0/24", "fd00:7::53" if v6 else "198.18.7.53"))
    if v6:
        cfg = cfg.replace("local: 198.18.0.1", 'local: "fd00::1"').replace(
            "remote: 198.18.0.2", 'remote: "fd00::2"').replace(
            "local_ts: 198.18.1.0/24", 'local_ts: "fd00:1::/64"').replace(
            "remote_ts: 198.18.2.0/24", 'remote_ts: "fd00:2::/64"')
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates("none", tag)
        s = wait_up()
        check(s is not None and s.get("virtual_ips") == [vip],
              "%s: up, virtual IP %s given (%s)" % (tag, vip, s and s.get("virtual_ips")))
        if s is None:
            print("\n".join(C.charon_log().splitlines()[-40:]))
            return
        ch = s["children"][0] if s["children"] else {}
        check(ch.get("remote_ts") == vip + ("/128" if v6 else "/32"),
              "%s: the CHILD_SA's peer selector is the virtual IP: %s" % (tag,
                                                                        ch.get("remote_ts")))
        check("installing new virtual IP %s" % vip in C.charon_log(),
              "%s: charon installed %s" % (tag, vip))
        n = (ping_to(vip, 5) if not v6 else
             int(" 5 received" in subprocess.run(
                 ["ip", "netns", "exec", H.NS_H, "ping", "-6", "-c", "5", "-i", "0.2", "-W",
                  "2", vip], capture_output=True, text=True).stdout) * 5)
        check(n == 5, "%s: ping to the virtual IP through the tunnel %d/5" % (tag, n))
        pools = show_json("ike", "pools") or []
        check(pools and pools[0]["online"] == 1 and pools[0]["leases"][0]["address"] == vip,
              "%s: show ike pools lists the lease: %s" % (tag, pools and pools[0]["leases"]))
        check(ctl("ike", "rekey", "gw", "child")[0] == 0, "%s: CHILD_SA rekey" % tag)
        time.sleep(2)
        st = ike_state()
        check(st and st[0].get("virtual_ips") == [vip] and
              all(c["remote_ts"].startswith(vip) for c in st[0]["children"]),
              "%s: the rekeyed CHILD_SA keeps the virtual IP" % tag)
        check(C.swanctl("--terminate", "--ike", "gw", "--timeout", "5").returncode == 0,
              "%s: charon ends the tunnel" % tag)
        time.sleep(0.5)
        pools = show_json("ike", "pools") or []
        check(pools and pools[0]["online"] == 0 and pools[0]["offline"] == 1,
              "%s: after the delete the lease is offline" % tag)
    finally:
        H.stop_espgw(gw, logp)
        if os.path.exists(H.SOCK):
            os.unlink(H.SOCK)


def childless():
    """charon initiates a childless IKE SA (RFC 6023, childless = force):
    IKE_AUTH without a CHILD_SA, which follows in CREATE_CHILD_SA"""
    gw, _, logp = H.start_espgw(ESPGW, config("none"))
    try:
        charon_initiates("none", "childless")
        s = wait_up()
        check(s is not None and len(s["children"]) == 1, "childless: IKE SA and its CHILD_SA up")
        check("childless IKE_SA (RFC 6023)" in open(logp).read(),
              "childless: espgw took an IKE_AUTH without a CHILD_SA")
        check(ping(3) == 3, "childless: traffic through the CHILD_SA")
    finally:
        H.stop_espgw(gw, logp)


def redirect():
    """RFC 5685: espgw's gateway address .1 sends charon to .3 (another
    address of espgw, another connection) in IKE_SA_INIT; charon follows
    with REDIRECTED_FROM and the tunnel comes up there, carrying traffic"""
    cfg = config("none", """    redirect_to: 198.18.0.3
  - name: gw3
    local: 198.18.0.3
    remote: 198.18.0.2
    local_id: 198.18.0.1
    psk: "%s"
    proposals: "aes128gcm16-prfsha256-x25519"
    esp_proposals: "aes128gcm16"
    local_ts: 198.18.1.0/24
    remote_ts: 198.18.2.0/24
""" % PSK).replace("addresses: [198.18.0.1/24,", "addresses: [198.18.0.1/24, 198.18.0.3/24,")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates("none", "redirect")
        s = wait_up()
        check(s is not None and s["connection"] == "gw3" and s["local"].startswith("198.18.0.3"),
              "redirect: charon redirected to 198.18.0.3 and up there (%s %s)" %
              (s and s["connection"], s and s["local"]))
        log = C.charon_log()
        check("redirected to 198.18.0.3" in log or "redirecting to" in log.lower() or
              "REDIRECT" in log, "redirect: charon logs the redirect")
        check((show_json("ike", "stats") or {}).get("redirects") == 1, "redirect: counted once")
        check(ping(3) == 3, "redirect: traffic through the tunnel at the new gateway")
    finally:
        H.stop_espgw(gw, logp)


def eap_load(password="alice-pw"):
    """charon as a road warrior: EAP-MSCHAPv2 as alice, espgw proves itself
    with the PSK, a virtual IP asked for"""
    rw_load(local="local { auth = eap-mschapv2\n      eap_id = alice }",
            secret='eap-alice { id = alice\n    secret = "%s" }' % password)


def eap_mschapv2():
    """EAP-MSCHAPv2 (RFC 7296 2.16) against users, charon as the client:
    alice's IKE SA up with her virtual IP, traffic to it; a wrong password
    gets no IKE SA and is counted"""
    cfg = config("none", """    eap: mschapv2
    pools: rw
users:
  - { name: alice, password: "alice-pw" }
pools:
  - { name: rw, addrs: 198.18.7.0/24 }
""")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates("none", "eap-mschapv2")
        s = wait_up()
        check(s is not None and s.get("user") == "alice" and
              s.get("virtual_ips") == ["198.18.7.1"],
              "eap-mschapv2: up, user alice, virtual IP 198.18.7.1 (%s %s)" %
              (s and s.get("user"), s and s.get("virtual_ips")))
        if s is None:
            print("\n".join(C.charon_log().splitlines()[-40:]))
            return
        log = C.charon_log()
        check("EAP method EAP_MSCHAPV2 succeeded" in log or "EAP_MSCHAPV2 succeeded" in log,
              "eap-mschapv2: charon's EAP method succeeded")
        check("authentication of '198.18.0.1' with pre-shared key successful" in log,
              "eap-mschapv2: charon verified espgw's PSK authentication")
        check(ping_to("198.18.7.1", 3) == 3, "eap-mschapv2: traffic to the virtual IP")
        check(C.swanctl("--terminate", "--ike", "gw", "--timeout", "5").returncode == 0,
              "eap-mschapv2: charon ends the tunnel")
        eap_load("not-alices-password")
        r = C.swanctl("--initiate", "--child", "net", "--timeout", "10")
        check(r.returncode != 0, "eap-mschapv2: a wrong password fails at charon")
        time.sleep(0.5)
        st = show_json("ike", "stats") or {}
        check(st.get("auth_failed", 0) >= 1 and not [x for x in ike_state()
                                                     if x["state"] == "established"],
              "eap-mschapv2: counted (auth_failed %s), nothing established" %
              st.get("auth_failed"))
    finally:
        H.stop_espgw(gw, logp)


RAD_SECRET = "rad-secret-4-espgw"


def freeradius_start(tls=None):
    """FreeRADIUS 3.2 (Debian's) in espgw's namespace on 127.0.0.1: its own
    configuration copied to a temporary directory, with EAP-MSCHAPv2 and
    MD5 (and EAP-TLS with the certificates in directory tls), user alice,
    espgw as a client, and accounting into a detail file there"""
    d = os.path.join(C.W, "raddb")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree("/etc/freeradius/3.0", d, symlinks=True)
    os.unlink(os.path.join(d, "mods-enabled", "eap"))
    with open(os.path.join(d, "mods-enabled", "eap"), "w") as f:
        f.write("eap {\n default_eap_type = mschapv2\n timer_expire = 60\n"
                " ignore_unknown_eap_types = no\n max_sessions = ${max_requests}\n"
                " md5 {\n }\n mschapv2 {\n }\n")
        if tls:
            f.write(" tls-config tls-common {\n  private_key_file = %s/radius.key\n"
                    "  certificate_file = %s/radius.crt\n  ca_file = %s/ca.crt\n"
                    "  tls_min_version = \"1.2\"\n  tls_max_version = \"1.2\"\n"
                    "  ecdh_curve = \"prime256v1\"\n }\n tls {\n  tls = tls-common\n }\n"
                    % (tls, tls, tls))
        f.write("}\n")
    conf = open(os.path.join(d, "radiusd.conf")).read()
    for k, v in (("raddbdir", d), ("logdir", C.W + "/radlog"), ("run_dir", C.W + "/radrun")):
        conf = "\n".join(("%s = %s" % (k, v)) if l.startswith(k + " =") else l
                         for l in conf.splitlines()) + "\n"
    open(os.path.join(d, "radiusd.conf"), "w").write(conf)
    auth = os.path.join(d, "mods-config", "files", "authorize")
    users = open(auth).read()
    open(auth, "w").write('alice Cleartext-Password := "alice-pw"\n'
                          '\tFramed-IP-Address = 198.18.7.99\n' + users)
    cl = os.path.join(d, "clients.conf")      # its localhost client is espgw
    text = open(cl).read().replace("testing123", RAD_SECRET)
    open(cl, "w").write(text)
    for x in ("/radlog/radacct", "/radrun"):
        os.makedirs(C.W + x, exist_ok=True)
    subprocess.run(["chown", "-R", "freerad:freerad", d, C.W + "/radlog", C.W + "/radrun"],
                   check=True)
    os.chmod(C.W, 0o755)
    log = open(C.W + "/radius.log", "w")
    p = subprocess.Popen(["ip", "netns", "exec", H.NS_GW, "freeradius", "-X", "-d", d],
                         stdout=log, stderr=subprocess.STDOUT)
    for _ in range(50):
        if "Ready to process requests" in open(C.W + "/radius.log").read():
            break
        time.sleep(0.1)
    return p


def radius_log():
    return open(C.W + "/radius.log").read()


def acct_records():
    """FreeRADIUS's detail file of espgw's accounting: one dict per record"""
    recs, d = [], C.W + "/radlog/radacct/127.0.0.1"
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        for block in open(os.path.join(d, f)).read().split("\n\n"):
            r = {}
            for line in block.splitlines():
                if " = " in line:
                    k, v = line.strip().split(" = ", 1)
                    r[k] = v.strip('"')
            if r:
                recs.append(r)
    return recs


def eap_radius():
    """EAP passed through to FreeRADIUS (RFC 3579): charon as alice with
    EAP-MSCHAPv2, espgw (`eap: radius`) relays each EAP packet to
    FreeRADIUS on 127.0.0.1 and back; FreeRADIUS's Access-Accept's MPPE
    keys are the MSK that keys both AUTHs; alice gets the virtual IP
    FreeRADIUS gives her (Framed-IP-Address, not the pool's) and traffic
    flows; accounting Start, Interim-Update and Stop with the data plane's
    counts reach FreeRADIUS. A wrong password: Access-Reject, nothing
    established."""
    cfg = config("none", """    eap: radius
    pools: rw
radius: { server: 127.0.0.1, secret: "%s", timeout: 2, retries: 2, accounting: true,
          interim: 2 }
pools:
  - { name: rw, addrs: 198.18.7.0/24 }
""" % RAD_SECRET)
    rad = freeradius_start()
    check("Ready to process requests" in radius_log(), "eap-radius: FreeRADIUS is up")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates("none", "eap-radius")
        s = wait_up()
        check(s is not None and s.get("user") == "alice" and
              s.get("virtual_ips") == ["198.18.7.99"],
              "eap-radius: up, user alice, FreeRADIUS's virtual IP 198.18.7.99 (%s %s)" %
              (s and s.get("user"), s and s.get("virtual_ips")))
        rl = radius_log()
        check("Sent Access-Challenge" in rl and "Sent Access-Accept" in rl,
              "eap-radius: FreeRADIUS challenged and accepted")
        if s is None:
            print("\n".join(C.charon_log().splitlines()[-30:]))
            print("\n".join(open(logp).read().splitlines()[-20:]))
            print("\n".join(rl.splitlines()[-60:]))
            return
        check("EAP method EAP_MSCHAPV2 succeeded" in C.charon_log(),
              "eap-radius: charon's EAP method succeeded, MSK AUTH verified")
        check(ping_to("198.18.7.99", 3) == 3, "eap-radius: traffic to the virtual IP")
        time.sleep(2.5)
        check(C.swanctl("--terminate", "--ike", "gw", "--timeout", "5").returncode == 0,
              "eap-radius: charon ends the tunnel")
        time.sleep(1)
        recs = acct_records()
        kinds = [r.get("Acct-Status-Type") for r in recs]
        stop = [r for r in recs if r.get("Acct-Status-Type") == "Stop"]
        check(kinds[:1] == ["Start"] and "Interim-Update" in kinds and len(stop) == 1,
              "eap-radius: accounting Start, Interim-Update, Stop at FreeRADIUS: %s" % kinds)
        check(all(r.get("User-Name") == "alice" and
                  r.get("Acct-Session-Id") == recs[0].get("Acct-Session-Id") for r in recs),
              "eap-radius: one session of alice's: %s" %
              sorted(set((r.get("User-Name"), r.get("Acct-Session-Id")) for r in recs)))
        st = stop[0] if stop else {}
        check(int(st.get("Acct-Input-Packets", 0)) >= 3 and
              int(st.get("Acct-Output-Packets", 0)) >= 3 and
              int(st.get("Acct-Output-Octets", 0)) >= 3 * 84 and
              st.get("Acct-Terminate-Cause") == "User-Request" and
              all(r.get("Framed-IP-Address") == "198.18.7.99" for r in recs),
              "eap-radius: the stop counts the data plane's packets and bytes both ways: "
              "in %s/%s out %s/%s, cause %s, Framed-IP-Address %s" % (st.get("Acct-Input-Packets"),
                                               st.get("Acct-Input-Octets"),
                                               st.get("Acct-Output-Packets"),
                                               st.get("Acct-Output-Octets"),
                                               st.get("Acct-Terminate-Cause"),
                                               [r.get("Framed-IP-Address") for r in recs]))
        rs = (show_json("ike", "stats") or {}).get("radius", {})
        check(rs.get("accepts") == 1 and rs.get("challenges", 0) >= 2 and
              rs.get("accounting_sent", 0) >= 3 and rs.get("timeouts") == 0,
              "eap-radius: show ike stats counts the RADIUS exchanges: %s" % rs)
        # a session the operator ends: Acct-Terminate-Cause Admin-Reset
        charon_initiates("none", "eap-radius again")
        check(wait_up() is not None, "eap-radius: alice up again")
        time.sleep(0.5)
        check(ctl("ike", "terminate", "gw")[0] == 0, "eap-radius: espgwctl ike terminate gw")
        for _ in range(30):
            stop = [r for r in acct_records() if r.get("Acct-Status-Type") == "Stop"]
            if len(stop) >= 2:
                break
            time.sleep(0.1)
        check([r.get("Acct-Terminate-Cause") for r in stop] == ["User-Request", "Admin-Reset"],
              "eap-radius: the operator's terminate is an Admin-Reset (the peer's a "
              "User-Request): %s" % [r.get("Acct-Terminate-Cause") for r in stop])
        eap_load("not-alices-password")
        r = C.swanctl("--initiate", "--child", "net", "--timeout", "10")
        time.sleep(0.5)
        check(r.returncode != 0 and "Sent Access-Reject" in radius_log() and
              not [x for x in ike_state() if x["state"] == "established"],
              "eap-radius: a wrong password is rejected by FreeRADIUS, nothing established")
    finally:
        H.stop_espgw(gw, logp)
        rad.terminate()
        rad.wait()


def tls_certs():
    """a CA, FreeRADIUS's server certificate and alice's client certificate
    (ECDSA P-256, made with strongSwan's pki)"""
    d = os.path.join(C.W, "eap-tls")
    os.makedirs(d, exist_ok=True)

    def pki(*args, out=None, inp=None):
        r = subprocess.run(["pki"] + list(args), input=inp, capture_output=True, check=True)
        if out:
            open(os.path.join(d, out), "wb").write(r.stdout)
        return r.stdout
    pki("--gen", "--type", "ecdsa", "--size", "256", "--outform", "pem", out="ca.key")
    pki("--self", "--ca", "--lifetime", "30", "--in", d + "/ca.key", "--type", "ecdsa",
        "--dn", "C=CH, O=espgw-test, CN=EAP CA", "--outform", "pem", out="ca.crt")
    for n, dn, san in (("radius", "C=CH, O=espgw-test, CN=radius.espgw.test",
                        "radius.espgw.test"),
                       ("alice", "C=CH, O=espgw-test, CN=alice@espgw.test", "alice@espgw.test")):
        pki("--gen", "--type", "ecdsa", "--size", "256", "--outform", "pem", out=n + ".key")
        pub = pki("--pub", "--in", "%s/%s.key" % (d, n), "--type", "ecdsa")
        pki("--issue", "--lifetime", "30", "--cacert", d + "/ca.crt", "--cakey", d + "/ca.key",
            "--dn", dn, "--san", san, "--flag", "serverAuth" if n == "radius" else
            "clientAuth", "--outform", "pem", inp=pub, out=n + ".crt")
    for sub, f in (("x509ca", "ca.crt"), ("x509", "alice.crt"), ("ecdsa", "alice.key")):
        os.makedirs(os.path.join(C.W, sub), exist_ok=True)
        shutil.copy(os.path.join(d, f), os.path.join(C.W, sub, f))
    return d


def eap_tls_load(eap_only=False):
    """charon as alice with EAP-TLS (her certificate), FreeRADIUS's
    certificate checked against the CA as the AAA identity; espgw proves
    itself with the PSK, or (eap_only) by EAP-TLS alone, with no PSK at
    all (RFC 5998)"""
    C.swanctl_load("""connections {
  gw {
    version = 2
    local_addrs = 198.18.0.2
    remote_addrs = 198.18.0.1
    proposals = aes128gcm16-prfsha256-x25519
    vips = 0.0.0.0
    local { auth = eap-tls
      certs = alice.crt
      id = alice@espgw.test
      aaa_id = radius.espgw.test }
    remote { auth = %s
      id = 198.18.0.1 }
    children { net { remote_ts = 198.18.1.0/24
      esp_proposals = aes128gcm16 } }
  }
}
%s""" % (("eap-tls", "") if eap_only else ("psk", """secrets {
  ike-gw { id-a = 198.18.0.1
    id-b = alice@espgw.test
    secret = "%s" }
}
""" % PSK)))


def eap_tls(eap_only=False):
    """EAP-TLS through FreeRADIUS (RFC 3579 pass-through, a method espgw
    does not run itself): charon proves alice's certificate to FreeRADIUS
    over TLS carried in espgw's IKE_AUTH rounds (EAP-Message attributes
    split at 253 bytes), FreeRADIUS proves its own; the MPPE keys of the
    Access-Accept are the MSK; the user is the EAP identity. eap_only
    (RFC 5998): espgw's connection has no PSK and no certificate
    (`eap_only: yes`); charon announces EAP_ONLY_AUTHENTICATION, gets
    espgw's ID without an AUTH, and allows it because EAP-TLS authenticated
    the server side"""
    tag = "eap-only" if eap_only else "eap-tls"
    cfg = config("none", """    eap: radius
%s    pools: rw
radius: { server: 127.0.0.1, secret: "%s" }
pools:
  - { name: rw, addrs: 198.18.7.0/24 }
""" % ("    eap_only: yes\n" if eap_only else "", RAD_SECRET))
    if eap_only:
        cfg = "\n".join(l for l in cfg.splitlines() if not l.strip().startswith("psk:")) + "\n"
    rad = freeradius_start(tls=C.W + "/eap-tls")
    gw, _, logp = H.start_espgw(ESPGW, cfg)
    try:
        charon_initiates("none", tag)
        s = wait_up()
        log = C.charon_log()
        check(s is not None and s.get("user") == "alice@espgw.test" and
              s.get("virtual_ips") == ["198.18.7.1"],
              "%s: up through FreeRADIUS, user alice@espgw.test (%s %s)" %
              (tag, s and s.get("user"), s and s.get("virtual_ips")))
        check("EAP method EAP_TLS succeeded" in log,
              "%s: charon's EAP-TLS succeeded (FreeRADIUS's certificate accepted)" % tag)
        if eap_only:
            check("allow mutual EAP-only authentication" in log,
                  "eap-only: charon allowed mutual EAP-only authentication, no PSK anywhere")
        if s is None:
            print("\n".join(log.splitlines()[-30:]))
            print("\n".join(radius_log().splitlines()[-40:]))
            return
        check(ping_to("198.18.7.1", 3) == 3, "%s: traffic to the virtual IP" % tag)
    finally:
        H.stop_espgw(gw, logp)
        rad.terminate()
        rad.wait()


def mobike_load():
    """charon as a road warrior without a fixed local address, MOBIKE on"""
    C.swanctl_load("""connections {
  gw {
    version = 2
    remote_addrs = 198.18.0.1
    proposals = aes128gcm16-prfsha256-x25519
    mobike = yes
    local { auth = psk
      id = 198.18.0.2 }
    remote { auth = psk
      id = 198.18.0.1 }
    children { net { local_ts = 198.18.2.0/24
      remote_ts = 198.18.1.0/24
      esp_proposals = aes128gcm16 } }
  }
}
secrets {
  ike-gw { id-a = 198.18.0.1
    id-b = 198.18.0.2
    secret = "%s" }
}
""" % PSK)


def mobike():
    """MOBIKE (RFC 4555): charon, the road warrior, gets a second address
    and makes it its preferred source while a ping runs every 20 ms; its
    UPDATE_SA_ADDRESSES moves the IKE SA, and the data plane's SAs are
    re-pointed in place: espgw drops nothing, and no ping is lost but
    (at most) one: charon's kernel-libipsec cannot update its own SAs
    (strongSwan's update_sa there answers NOT_SUPPORTED), so charon rekeys
    its CHILD_SA right after the move, and its own switch to the new SA may
    cost one. Then the old address goes and traffic goes on."""
    r = lambda *a: subprocess.run(["ip", "-n", H.NS_R] + list(a), capture_output=True,
                                  text=True)
    gw, _, logp = H.start_espgw(ESPGW, config("none"))
    try:
        charon_initiates("none", "mobike")
        s = wait_up()
        check(s is not None and s.get("mobike") is True and s["remote"] == "198.18.0.2[4500]",
              "mobike: negotiated, IKE on 4500 (%s %s)" % (s and s.get("mobike"),
                                                         s and s["remote"]))
        check(ping(2) == 2, "mobike: traffic before the move")
        subprocess.run(["ip", "netns", "exec", H.NS_R, "sysctl", "-qw",
                        "net.ipv4.conf.r0.promote_secondaries=1"], check=True)
        r("addr", "add", "198.18.0.5/24", "dev", "r0")
        d0 = H.drops()
        p = subprocess.Popen(["ip", "netns", "exec", H.NS_H, "ping", "-c", "200", "-i", "0.02",
                              "-W", "1", "198.18.2.1"], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        r("route", "replace", "198.18.0.0/24", "dev", "r0", "proto", "kernel", "scope", "link",
          "src", "198.18.0.5")
        moved = None
        for _ in range(30):
            st = ike_state()
            if st and st[0]["remote"].startswith("198.18.0.5"):
                moved = st[0]
                break
            time.sleep(0.1)
        out = p.communicate(timeout=30)[0]
        got = [int(l.split(",")[1].split()[0]) for l in out.splitlines() if "received" in l]
        d1 = H.drops()
        # (what was for espgw itself, local-*, is not the tunnel's traffic)
        dd = {k: d1[k] - d0.get(k, 0) for k in d1
              if d1[k] != d0.get(k, 0) and not k.startswith("local-")}
        check(moved is not None and moved["remote"] == "198.18.0.5[4500]" and
              moved["spi_i"] == s["spi_i"],
              "mobike: the same IKE SA moved to 198.18.0.5 (%s)" % (moved and moved["remote"]))
        check(dd == {}, "mobike: espgw dropped none of the traffic across the move: %s" % dd)
        check(got and got[0] >= 199, "mobike: a ping every 20 ms across the move: %s/200 "
              "answered" % (got[0] if got else 0))
        out_sa = [x for x in dynamic_sas() if x.get("direction", x.get("dir")) == "outbound"]
        check(out_sa and all(x.get("remote") == "198.18.0.5" for x in out_sa),
              "mobike: the data plane's outbound SA re-pointed in place: %s" %
              [(x["name"], x.get("remote")) for x in out_sa])
        check((show_json("ike", "stats") or {}).get("mobike_moves") == 1,
              "mobike: one move counted")
        check("UPDATE_SA_ADDRESSES" in C.charon_log() or "N(UPD_SA_ADDR)" in C.charon_log(),
              "mobike: charon sent UPDATE_SA_ADDRESSES")
        r("addr", "del", "198.18.0.2/24", "dev", "r0")
        time.sleep(0.5)
        check(ping(5) == 5, "mobike: traffic once the old address is gone")
        check(len(ike_state()) == 1 and len(dynamic_sas()) == 2,
              "mobike: still one IKE SA and one SA pair")
    finally:
        r("addr", "del", "198.18.0.5/24", "dev", "r0")
        r("addr", "add", "198.18.0.2/24", "dev", "r0")
        H.stop_espgw(gw, logp)


def main():
    subprocess.run(["ip", "-n", H.NS_R, "addr", "add", "198.18.2.1/32", "dev", "lo"], check=True)
    H.setns(H.NS_GW)
    for v6 in (False, True):
        with_charon(virtual_ip, v6, load=lambda v6=v6: vip_load(v6))
    with_charon(eap_mschapv2, load=eap_load)
    with_charon(eap_radius, load=eap_load)
    tls_certs()
    with_charon(eap_tls, load=eap_tls_load)
    with_charon(eap_tls, True, load=lambda: eap_tls_load(True))
    C.CHILDLESS = "force"
    with_charon(childless)
    C.CHILDLESS = "allow"
    with_charon(redirect)
    C.EXTRA_CONF = "prefer_best_path = yes"
    with_charon(mobike, load=mobike_load)
    C.EXTRA_CONF = ""
    C.shutil.rmtree(C.W, ignore_errors=True)
    return H.summary()


if __name__ == "__main__":
    sys.exit(main())
