#!/usr/bin/python3
"""Hardening: what a hostile or careless client, operator or peer does.

- Management clients that pipeline and never read, hold 40 idle
  connections, send half a line and wait: the control thread keeps
  answering IKE (an IKEv2 peer, espgw-ike, checks liveness every second
  throughout and must never declare espgw dead), ARP, ping and other
  clients; the bad clients are cut off and counted; the longest
  control-loop pass is printed for each.
- espgwctl --timeout against a stopped daemon; every failure has a message.
- SIGHUP reloads; a second espgw refuses a live socket and a used EAL
  prefix, leaving the first one manageable.
- Keys from a file or stdin; a world-readable config with keys is warned
  about; reload FILE is confined to the config's directory and never
  quotes another file; read-only and admin roles by SO_PEERCRED, changes
  audited with the caller's uid.
"""
import grp
import json
import os
import signal
import socket
import subprocess
import sys
import time

import harness as H
from harness import check, ctl

ESPGW = sys.argv[1]
H.ESPGWCTL = sys.argv[2]
IKE_TOOL = os.path.join(os.path.dirname(ESPGW), "espgw-ike")
KEY = bytes(range(1, 21))
PSK = "hardening-psk-0123456789"


def config(extra=""):
    return """workers: 1
mgmt_socket: %s
mgmt_idle_timeout: 3
mgmt_send_timeout: 2
mgmt_group: nogroup
mgmt_admin_group: daemon
eal: { file_prefix: %s, hugepages: false, memory_mb: 512 }
%ssas:
  - { name: o4, direction: outbound, spi: 0x1001, algorithm: aes-gcm-128, key: 0x%s, local: 198.18.0.1, remote: 198.18.0.2 }
%s
policies:
  - { name: p4, src: 198.18.1.0/24, dst: 198.18.2.0/24, action: protect, sa: o4 }
connections:
  - { name: peer, local: 198.18.0.1, remote: 198.18.0.2, psk: "%s",
      local_ts: 198.18.1.128/25, remote_ts: 198.19.0.0/24, start: none }
""" % (H.SOCK, H.EGP, H.PORTS_YAML % ("", ""), KEY.hex(), extra, PSK)


def stall_us():
    st = json.loads(ctl("show", "stats", "--json")[1])
    return st["loop_max_10s_us"], st


def ping_gw(n=3):
    """ARP and ICMP echo to espgw's own address: the control thread answers."""
    r = subprocess.run(["ip", "netns", "exec", H.NS_R, "ping", "-c", str(n), "-i", "0.2",
                        "-W", "1", "198.18.0.1"], capture_output=True, text=True)
    return r.stdout.count("bytes from")


def timed_ctl(*args):
    t = time.time()
    rc, out, err = ctl(*args)
    return rc, out, err, time.time() - t


def test_pipelining_reader():
    """A client sends requests without ever reading a reply."""
    time.sleep(10)    # the start-up passes leave the 10 s window
    us0, _ = stall_us()
    print("stall: baseline (idle, only this request): %d us" % us0, flush=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(H.SOCK)
    s.setblocking(False)
    sent = 0
    try:
        for _ in range(20000):
            s.send(b"show stats\nshow ports\nshow drops all\n")
            sent += 1
    except BlockingIOError:
        pass
    worst = 0.0
    pings = 0
    for _ in range(4):
        rc, out, _, dt = timed_ctl("show", "version")
        check(rc == 0, "another client is answered while one never reads")
        worst = max(worst, dt)
        pings += ping_gw(2)
    check(worst < 2.0, "other clients answered within 2 s (worst %.3f s)" % worst)
    check(pings == 8, "ARP and ping to espgw answered meanwhile (%d/8)" % pings)
    time.sleep(2.5)   # mgmt_send_timeout 2 s
    us, st = stall_us()
    check(st["mgmt_dropped"] >= 1, "the client that never reads was dropped and counted")
    try:
        s.setblocking(True)
        s.settimeout(3)
        data = b""
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            data += c
        dropped = True
    except (ConnectionResetError, socket.timeout):
        dropped = not isinstance(sys.exc_info()[1], socket.timeout)
    check(dropped, "its connection was closed")
    s.close()
    print("stall: pipelining client (%d batches sent before its socket filled): longest "
          "control loop pass %d us" % (sent, us), flush=True)


def test_idle_flood():
    """40 idle connections; the cap answers ERR; the idle timeout frees them."""
    time.sleep(10.5)  # the stall window (10 s) holds this test only
    socks = []
    for _ in range(40):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(H.SOCK)
        socks.append(s)
    time.sleep(0.3)
    rc, out, err, dt = timed_ctl("show", "version")
    check(rc == 1 and "too many management clients" in err,
          "past the cap a client gets ERR with the reason (rc %d: %s)" % (rc, err.strip()))
    check(ping_gw(2) == 2, "ping answered with 40 idle clients")
    time.sleep(4)     # mgmt_idle_timeout 3 s
    rc, out, _ = ctl("show", "version")
    check(rc == 0, "idle clients timed out, a new client is served")
    us, st = stall_us()
    check(st["mgmt_refused"] >= 1, "refusals counted (%d)" % st["mgmt_refused"])
    for s in socks:
        s.close()
    print("stall: 40 idle connections: longest control loop pass %d us" % us, flush=True)


def test_half_line():
    time.sleep(10.5)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(H.SOCK)
    s.send(b"show vers")
    rc, _, _ = ctl("show", "version")
    check(rc == 0, "a client with half a line does not block others")
    check(ping_gw(2) == 2, "ping answered while half a line waits")
    s.settimeout(6)
    try:
        closed = s.recv(100) == b""
    except (socket.timeout, ConnectionResetError):
        closed = False
    check(closed, "half a line and silence: closed after mgmt_idle_timeout")
    s.close()
    us, _ = stall_us()
    print("stall: half a request line: longest control loop pass %d us" % us, flush=True)


def test_ctl_timeout(gw):
    os.kill(gw.pid, signal.SIGSTOP)
    try:
        t = time.time()
        r = subprocess.run([H.ESPGWCTL, "-s", H.SOCK, "--timeout", "1", "show", "version"],
                           capture_output=True, text=True, timeout=10)
        dt = time.time() - t
    finally:
        os.kill(gw.pid, signal.SIGCONT)
    check(r.returncode == 2 and dt < 4 and "espgw" in r.stderr and "timeout" in r.stderr,
          "espgwctl --timeout 1 against a stopped daemon: rc %d in %.1f s: %s"
          % (r.returncode, dt, r.stderr.strip()))
    r = subprocess.run([H.ESPGWCTL, "-s", H.SOCK + ".none", "show", "version"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "no management socket" in r.stderr,
          "espgwctl names a missing socket: " + r.stderr.strip())
    r = subprocess.run([H.ESPGWCTL, "-s", H.SOCK, "--json"], capture_output=True, text=True,
                       timeout=10)
    check(r.returncode == 2 and "needs a command" in r.stderr, "--json alone is an error")
    rc, _, _ = ctl("show", "version")
    check(rc == 0, "daemon answers after SIGCONT")


def sa_names():
    rc, out, _ = ctl("show", "sas", "--json")
    return {s["name"] for s in json.loads(out)} if rc == 0 else set()


def test_sighup(gw, cfg):
    open(cfg, "w").write(config(
        "  - { name: o5, direction: outbound, spi: 0x1005, algorithm: aes-gcm-128, key: 0x%s,"
        " local: 198.18.0.1, remote: 198.18.0.2 }" % KEY.hex()))
    os.chmod(cfg, 0o600)
    gw.send_signal(signal.SIGHUP)
    for _ in range(30):
        if "o5" in sa_names():
            break
        time.sleep(0.1)
    check(gw.poll() is None, "SIGHUP does not kill espgw")
    check("o5" in sa_names(), "SIGHUP reloaded the configuration")


def test_second_instance(logp):
    other = os.path.join(H.WORK, "second.yaml")
    # same socket, own EAL prefix
    open(other, "w").write(config().replace("file_prefix: %s" % H.EGP,
                                            "file_prefix: %s-2" % H.EGP))
    r = subprocess.run(["ip", "netns", "exec", H.NS_GW, ESPGW, "-c", other],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode != 0 and "in use by a running espgw" in r.stdout + r.stderr,
          "a second espgw on a live socket refuses to start: " + (r.stdout + r.stderr)[-200:])
    rc, _, _ = ctl("show", "version")
    check(rc == 0 and os.path.exists(H.SOCK), "the first espgw is still manageable")
    # own socket, same EAL prefix
    open(other, "w").write(config().replace(H.SOCK, H.SOCK + "2"))
    r = subprocess.run(["ip", "netns", "exec", H.NS_GW, ESPGW, "-c", other],
                       capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    check(r.returncode != 0 and "file prefix" in out and "Success" not in out,
          "the same EAL prefix is named as the conflict: " + out[-200:])
    rc, _, _ = ctl("show", "version")
    check(rc == 0, "the first espgw still answers")


def test_zero_copy_rings():
    """memif zero-copy lends the worker's mbufs to the peer: rings the pool
    cannot fill are refused at start, naming rsize (not a silent dead port)."""
    other = os.path.join(H.WORK, "zc.yaml")
    cfg = config().replace(H.SOCK, H.SOCK + "zc").replace("file_prefix: %s" % H.EGP,
                                                          "file_prefix: %s-zc" % H.EGP)
    # the ports: two memif clients with zero-copy and 2^12-slot rings
    head, rest = cfg.split("ports:", 1)
    rest = rest[rest.index("sas:"):]
    zc = "".join('  - { name: %s, devargs: "net_memif%d,role=client,zero-copy=yes,id=%d,'
                 'socket=%s/zc-%d.sock,socket-abstract=no,rsize=12", addresses: [198.18.%d.1/24] }\n'
                 % (n, i, i, H.WORK, i, i) for i, n in enumerate(("outside", "inside")))
    open(other, "w").write(head + "ports:\n" + zc + rest)
    r = subprocess.run([ESPGW, "-c", other], capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    check(r.returncode != 0 and "zero-copy memif" in out and "rsize" in out,
          "zero-copy memif rings larger than the worker's pool are refused: " + out[-300:])


def test_keys_from_file():
    kf = os.path.join(H.WORK, "k.hex")
    open(kf, "w").write("0x" + KEY.hex() + "\n")
    rc, out, err = ctl("sa", "add", "name=kf", "direction=outbound", "spi=0x1010",
                       "algorithm=aes-gcm-128", "key=@" + kf, "local=198.18.0.1",
                       "remote=198.18.0.2")
    check(rc == 0, "sa add key=@FILE: " + (out + err).strip())
    r = subprocess.run([H.ESPGWCTL, "-s", H.SOCK, "sa", "add", "name=ks", "direction=outbound",
                        "spi=0x1011", "algorithm=aes-gcm-128", "key=-", "local=198.18.0.1",
                        "remote=198.18.0.2"], input="0x" + KEY.hex() + "\n",
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "sa add key=- (stdin): " + r.stdout + r.stderr)
    check({"kf", "ks"} <= sa_names(), "both SAs are in")


def test_reload_confined(cfg):
    rc, out, err = ctl("reload", "/etc/passwd")
    check(rc == 1 and "root:" not in err and "only files in" in err,
          "reload /etc/passwd refused without quoting it: " + err.strip())
    bad = os.path.join(H.WORK, "notyaml.yaml")
    open(bad, "w").write("secret-token-1234 is: not: yaml\n")
    os.chmod(bad, 0o600)
    rc, out, err = ctl("reload", bad)
    check(rc == 1 and "secret-token" not in err, "a bad file in the config dir: ERR, no "
          "content quoted (%s)" % err.strip())
    rc, out, err = ctl("reload", cfg)
    check(rc == 0, "reload of the config by name: " + (out + err).strip())


def as_user(groups, *args):
    cmd = ["setpriv", "--reuid=65534", "--regid=65534"]
    cmd += ["--groups=" + ",".join(str(g) for g in groups)] if groups else ["--clear-groups"]
    r = subprocess.run(cmd + [H.ESPGWCTL, "-s", H.SOCK] + list(args), capture_output=True,
                       text=True, timeout=10)
    return r.returncode, r.stdout, r.stderr


def test_roles(logp):
    os.chmod(H.WORK, 0o755)
    rc, out, err = as_user(None, "show", "sas")
    check(rc == 0 and "o4" in out, "mgmt_group member (nogroup) may show: " + err.strip())
    rc, out, err = as_user(None, "sa", "del", "ks")
    check(rc == 1 and "permission denied" in err, "read-only client may not delete: " +
          err.strip())
    check("ks" in sa_names(), "the refused delete changed nothing")
    rc, out, err = as_user([grp.getgrnam("daemon").gr_gid], "sa", "del", "ks")
    check(rc == 0, "mgmt_admin_group member may delete: " + (out + err).strip())
    time.sleep(0.2)
    log = open(logp).read()
    check("mgmt: uid 65534" in log and "sa del ks" in log, "changes audited with the uid")
    check(KEY.hex() not in log, "no key in the log (key=<secret>)")


def test_mode_warning(logp):
    check("chmod 600" in open(logp).read(), "a config with keys at mode 0644 is warned about")


def ike_peer_start():
    """An IKEv2 peer in the remote namespace: sets up an IKE_SA with espgw
    and checks its liveness every second (RFC 7296 2.4) until stopped."""
    p = subprocess.Popen(["ip", "netns", "exec", H.NS_R, IKE_TOOL, "--local", "198.18.0.2",
                          "--remote", "198.18.0.1", "--psk", PSK, "--local-ts", "198.19.0.0/24",
                          "--remote-ts", "198.18.1.128/25", "--initiate", "--dpd", "1",
                          "--seconds", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    end = time.time() + 10
    while time.time() < end:
        line = p.stdout.readline()
        if not line:
            break
        if '"ike_up"' in line:
            return p
    check(False, "the IKE peer establishes an IKE_SA with espgw")
    return p


def ike_peer_stop(p):
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=20)
    evs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    downs = [e for e in evs if e["event"] == "ike_down"]
    st = next((e for e in evs if e["event"] == "stats"), {})
    # the tool's own shutdown deletes its IKE_SA; nothing before that
    check(not [e for e in downs if "answer" in e.get("why", "")],
          "the IKE peer never found espgw dead (%s)" % downs)
    check(st.get("rx", 0) >= 10, "espgw answered the peer's liveness checks throughout "
          "(%s answers)" % st.get("rx"))


def main():
    path = os.path.join(H.WORK, "espgw.yaml")
    open(path, "w").write(config())
    os.chmod(path, 0o644)
    logp = os.path.join(H.WORK, "espgw.log")
    gw = subprocess.Popen(["ip", "netns", "exec", H.NS_GW, ESPGW, "-c", path],
                          stdout=open(logp, "w"), stderr=subprocess.STDOUT)
    for _ in range(100):
        if os.path.exists(H.SOCK):
            break
        time.sleep(0.1)
    check(os.path.exists(H.SOCK), "espgw management socket appears")
    try:
        H.warm_neighbours()
        peer = ike_peer_start()
        for t in (lambda: test_mode_warning(logp), test_pipelining_reader, test_idle_flood,
                  test_half_line, lambda: ike_peer_stop(peer), lambda: test_ctl_timeout(gw),
                  lambda: test_sighup(gw, path), lambda: test_second_instance(logp),
                  test_zero_copy_rings,
                  lambda: test_reload_confined(path), test_keys_from_file,
                  lambda: test_roles(logp)):
            if H.alive(gw):
                t()
    finally:
        H.stop_espgw(gw, logp)
    return H.summary()


if __name__ == "__main__":
    sys.exit(main())
