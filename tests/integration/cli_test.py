#!/usr/bin/python3
"""espgwctl as an operator uses it, against a running espgw with traffic.

- show sa NAME: sequence numbers, replay window, lifetimes left, last use,
  rate; show sas filtered by conn=, peer=, dir=; show rates while traffic
  flows; show routes; show neigh (static, learned).
- clear counters (all, one SA, drops) zeroes what show displays, and only
  that.
- log levels per subsystem at run time; log follow streams lines.
- The command table: help lists every command, usage errors name the
  syntax, --json only for show, every JSON SPI is 8 hex digits.
- The shell: completion of commands, SA names and keys through a pty
  (libedit, as an operator types), monitor, quit.
"""
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from scapy.all import IP, UDP, Raw

import harness as H
from harness import check, ctl
import ops_test as O

ESPGW = sys.argv[1]
K_OUT_HEX = O.K_OUT.hex()
H.ESPGWCTL = sys.argv[2]


def req(line, replies=1, s=None):
    """One raw request; the bodies of `replies` framed replies."""
    own = s is None
    if own:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(H.SOCK)
    s.sendall(line.encode() + b"\n")
    out, buf = [], b""
    while len(out) < replies:
        while b"\n" not in buf:
            c = s.recv(65536)
            if not c:
                return out
            buf += c
        hdr, buf = buf.split(b"\n", 1)
        n = int(hdr.split()[1])
        while len(buf) < n:
            buf += s.recv(65536)
        out.append((hdr.split()[0].decode(), buf[:n].decode()))
        buf = buf[n:]
    if own:
        s.close()
    return out


def js(*words):
    rc, out, err = ctl(*words, "--json")
    check(rc == 0, "%s --json answers (%s)" % (" ".join(words), err.strip()))
    return json.loads(out) if rc == 0 else None


def inbound(n, seqs, tag=b"cli"):
    sa = O.sa_i4()
    for s in seqs:
        inner = IP(src="198.18.2.2", dst="198.18.1.2") / UDP(sport=7, dport=9) / Raw(tag)
        n.from_remote(sa.encrypt(inner, seq_num=s))


def test_sa_detail(n):
    inbound(n, range(100, 110))
    time.sleep(0.3)
    d = js("show", "sa", "i4")
    check(d and d["seq_highest"] == 109 and d["replay"]["received_in_window"] >= 10 and
          d["replay"]["window"] > 0, "show sa i4: highest sequence number and window (%s)"
          % (d and d.get("replay")))
    check(d and d["spi"] == "00002001" and d["direction"] == "inbound" and
          d["lifetime_left"]["hard_bytes"] == -1 and "created" in d,
          "show sa i4: SPI as 8 hex digits, lifetimes left (-1: none)")
    rc, out, _ = ctl("show", "sa", "i4")
    check(rc == 0 and re.search(r"^seq_highest\s+109$", out, re.M) and
          re.search(r"^replay\.window\s+\d+", out, re.M), "show sa i4 as text: key value lines")
    time.sleep(1.2)     # a sample has seen the packets
    d = js("show", "sa", "i4")
    check(d and 0 <= d["last_used_s_ago"] <= 2, "last use within 2 s (%s)" % (d and d["last_used_s_ago"]))
    rc, _, err = ctl("show", "sa", "nope")
    check(rc == 1 and "no SA nope" in err, "show sa of an unknown SA: ERR (%s)" % err.strip())
    # outbound: the last sequence number sent grows with what went out
    o0 = js("show", "sa", "o4")
    for i in range(5):
        n.from_host(IP(src="198.18.1.2", dst="198.18.2.2") / UDP(sport=7, dport=9) / Raw(b"o"))
    time.sleep(0.3)
    o1 = js("show", "sa", "o4")
    check(o0 and o1 and o1["seq_last_sent"] == o0["seq_last_sent"] + 5,
          "show sa o4: seq_last_sent grew by 5 (%s -> %s)" % (o0 and o0.get("seq_last_sent"),
                                                            o1 and o1.get("seq_last_sent")))


def test_filters():
    every = {s["name"] for s in js("show", "sas")}
    ins = {s["name"] for s in js("show", "sas", "dir=in")}
    v4 = {s["name"] for s in js("show", "sas", "peer=198.18.0.2")}
    check(ins == {x for x in every if x.startswith("i")} and ins, "dir=in: the inbound SAs %s" % ins)
    check(v4 == {"o4", "i4"}, "peer=198.18.0.2: the IPv4 SAs (%s)" % v4)
    check(js("show", "sas", "conn=nothing", "dir=out") == [], "conn= of no connection: none")
    rc, _, err = ctl("show", "sas", "colour=red")
    check(rc == 1 and "not a filter" in err, "an unknown filter: ERR (%s)" % err.strip())


def test_rates(n):
    stop = threading.Event()

    def flow():
        s = 1000
        while not stop.is_set():
            inbound(n, range(s, s + 10))
            s += 10
            time.sleep(0.05)
    t = threading.Thread(target=flow)
    t.start()
    time.sleep(2.3)
    r = js("show", "rates")
    stop.set()
    t.join()
    i4 = [s for s in r["sas"] if s["name"] == "i4"] if r else []
    out = [p for p in r["ports"] if p["name"] == "outside"] if r else []
    check(i4 and i4[0]["pps"] > 20 and i4[0]["spi"] == "00002001",
          "show rates: i4 moves (%s)" % i4)
    check(out and out[0]["rx_pps"] > 20 and out[0]["rx_bps"] > 8 * out[0]["rx_pps"],
          "show rates: the outside port receives (%s)" % out)
    # monitor repeats show rates until Ctrl-C
    p = subprocess.Popen([H.ESPGWCTL, "-s", H.SOCK, "monitor", "0.3"], stdout=subprocess.PIPE,
                         text=True)
    time.sleep(1.2)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=5)
    check(p.returncode == 0 and out.count("RX-PPS") >= 3, "monitor 0.3 repeats, Ctrl-C ends (%d, %d)"
          % (p.returncode, out.count("RX-PPS")))


def test_clear():
    before = {s["name"]: s for s in js("show", "sas")}
    rc, out, _ = ctl("clear", "counters", "i4")
    after = {s["name"]: s for s in js("show", "sas")}
    check(rc == 0 and before["i4"]["packets"] > 0 and after["i4"]["packets"] == 0 and
          after["o4"]["packets"] == before["o4"]["packets"], "clear counters i4: only i4 zeroed")
    check(js("show", "sa", "i4")["seq_highest"] > 0, "the sequence state stays (%s)" % out.strip())
    o4 = js("show", "sa", "o4")["packets"]
    ctl("clear", "counters", "drops")
    check(sum(js("show", "drops").values()) == 0 and js("show", "sa", "o4")["packets"] == o4 > 0,
          "clear counters drops: every reason 0, the SAs' counters kept")
    ctl("clear", "counters")
    sas = js("show", "sas")
    ports = js("show", "ports")
    check(all(s["packets"] == 0 and s["bytes"] == 0 for s in sas) and
          all(p["rx_packets"] < 5 for p in ports), "clear counters: SAs and ports from zero")
    rc, _, err = ctl("clear", "counters", "nope")
    check(rc == 1 and "no SA nope" in err, "clear counters of an unknown SA: ERR")


def test_routes_neigh():
    routes = js("show", "routes")
    check(any(r["prefix"] == "198.18.1.0/24" and r["via"] == "connected" for r in routes),
          "show routes: the inside port's prefix is connected (%s)" % routes)
    neigh = js("show", "neigh")
    by = {x["address"]: x for x in neigh or []}
    check(by.get("198.18.1.6", {}).get("state") == "static" and
          by["198.18.1.6"]["mac"] == "02:00:00:00:00:66", "show neigh: the static one")
    check(by.get("198.18.0.2", {}).get("state") == "learned", "show neigh: a learned one (%s)" % neigh)


def test_log():
    lv = js("show", "log")
    check(lv and lv["ike"] == "info" and "dpdk" in lv, "show log: each subsystem's level")
    rc, _, _ = ctl("log", "level", "ike", "debug")
    check(rc == 0 and js("show", "log")["ike"] == "debug" and js("show", "log")["sa"] == "info",
          "log level ike debug: only ike changes")
    rc, _, err = ctl("log", "level", "nosuch", "debug")
    check(rc == 1 and "no log subsystem" in err, "log level of an unknown subsystem: ERR")
    rc, _, err = ctl("log", "level", "ike", "loud")
    check(rc == 1 and "usage" in err, "log level with a bad level: usage (%s)" % err.strip())
    ctl("log", "level", "all", "info")
    check(js("show", "log")["ike"] == "info", "log level all info")
    # log follow: lines arrive as framed replies
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(H.SOCK)
    first = req("log follow", s=s)
    ctl("clear", "counters", "o4")      # an audited change: one log line
    got = req("", 0, s=s) if False else None
    lines, buf, end = [], b"", time.time() + 3
    while time.time() < end and not any(b"clear counters o4" in l for l in lines):
        r, _, _ = select.select([s], [], [], 0.5)
        if r:
            buf += s.recv(65536)
            lines = buf.split(b"\n")
    s.close()
    check(first and first[0][0] == "OK" and any(b"clear counters o4" in l for l in lines),
          "log follow streams the audit line of a change (%r)" % buf[-200:])
    check(ctl("show", "version")[0] == 0, "espgw answers after the follower left")


def test_table():
    rc, helptext, _ = ctl("help")
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "control", "mgmt.c")).read()
    syntaxes = re.findall(r'^\t\{ "([^"]+)", \w+, ', src, re.M)
    check(rc == 0 and len(syntaxes) > 30 and all(x in helptext for x in syntaxes
                                                  if x not in ("complete", "complete KEY=VALUE...")),
          "help lists every command of the table (%d)" % len(syntaxes))
    check("quit" in helptext, "help says how to leave the shell")
    for words, want in ((("show", "sa"), "show sa SA"),
                        (("ike", "rekey", "x", "often"), "ike|child|both"),
                        (("clear",), "clear counters"), (("frobnicate",), "unknown command")):
        rc, _, err = ctl(*words)
        check(rc == 1 and want in err, "%s: %s (%s)" % (" ".join(words), want, err.strip()))
    rc, _, err = ctl("ike", "rekey", "none", "both")
    check(rc == 1 and "none" in err, "ike rekey CONN both without such IKE SA: ERR (%s)" % err.strip())
    rc, _, err = ctl("sa", "del", "nope", "--json")
    check(rc == 1 and "--json" in err, "--json on a changing command: ERR")
    rc, _, err = ctl("quit")
    check(rc == 1 and "shell" in err, "quit outside the shell: says so")
    rc, _, err = subprocess.run([H.ESPGWCTL, "-s", H.SOCK, "--json"], capture_output=True,
                                text=True).returncode, None, None
    check(rc == 2, "--json without a command: an error")
    # completion, as the shell asks it
    top = set(req("complete")[0][1].split())
    check({"show", "sa", "ike", "clear", "log", "reload", "help"} <= top and "complete" not in top,
          "complete: the first words (%s)" % sorted(top))
    check({"i4", "o4", "i6", "o6"} <= set(req("complete w=show w=sa")[0][1].split()),
          "complete show sa: SA names")
    check({"spi=", "key=", "algorithm="} <= set(req("complete w=sa w=add w=name=x")[0][1].split()),
          "complete sa add ...: keys")
    check(set(req("complete w=ike w=rekey w=c")[0][1].split()) == {"ike", "child", "both"},
          "complete ike rekey CONN: ike, child, both")
    check("--json" in req("complete w=show w=ports")[0][1].split(), "complete show ports: --json")
    # every JSON SPI is 8 lowercase hex digits
    spis = [s["spi"] for s in js("show", "sas")] + [s["spi"] for s in js("show", "rates")["sas"]]
    check(spis and all(re.fullmatch(r"[0-9a-f]{8}", x) for x in spis), "JSON SPIs: 8 hex digits")


HEX8 = re.compile(r"^[0-9a-f]{8}$")
# what each show command's JSON holds: {key: type} for an object, [schema]
# for an array of them; a compiled pattern is a string that must match it
SCHEMAS = {
    ("show", "version"): {"version": str, "dpdk": str, "workers": int, "crypto_engine": str,
                          "uptime_s": int},
    ("show", "ports"): [{"name": str, "port_id": int, "mac": str, "mtu": int, "rx_packets": int,
                         "rx_bytes": int, "tx_packets": int, "tx_bytes": int, "nic_missed": int,
                         "addresses": list}],
    ("show", "workers"): [{"worker": int, "lcore": int, "polls": int, "drops": int}],
    ("show", "sas"): [{"name": str, "direction": str, "spi": HEX8, "mode": str, "algorithm": str,
                       "local": str, "remote": str, "packets": int, "bytes": int, "errors": int,
                       "age_s": int, "selector": dict, "lifetime": dict}],
    ("show", "sa", "i4"): {"name": str, "spi": HEX8, "seq_highest": int, "replay": dict,
                           "lifetime_left": dict, "rate": dict, "last_used_s_ago": int,
                           "created": int, "expired": bool},
    ("show", "policies"): [{"name": str, "priority": int, "action": str, "table": str}],
    ("show", "drops"): {"esp-icv": int, "no-route": int},
    ("show", "stats"): {"messages_posted": int, "crypto_sessions": int, "loop_max_us": int},
    ("show", "routes"): [{"prefix": str, "via": str, "port": str, "source": str}],
    ("show", "neigh"): [{"address": str, "mac": str, "port": str, "state": str}],
    ("show", "rates"): {"ports": [{"name": str, "rx_pps": int, "rx_bps": int, "tx_pps": int,
                                   "tx_bps": int}], "sas": list},
    ("show", "log"): {"core": str, "ike": str, "dpdk": str},
    ("show", "ike"): list, ("show", "ike", "conns"): list, ("show", "ike", "pools"): list,
    ("show", "ike", "stats"): {"ike_sas": int, "half_open": int},
}


def conforms(v, schema):
    if isinstance(schema, re.Pattern):
        return isinstance(v, str) and schema.match(v) is not None
    if isinstance(schema, type):
        return isinstance(v, schema) and not (schema is int and isinstance(v, bool))
    if isinstance(schema, list):
        return isinstance(v, list) and all(conforms(x, schema[0]) for x in v)
    return isinstance(v, dict) and all(k in v and conforms(v[k], t) for k, t in schema.items())


def test_schemas():
    """every show command's JSON has the keys and types the docs name"""
    for words, schema in SCHEMAS.items():
        v = js(*words)
        check(v is not None and conforms(v, schema), "%s --json: schema" % " ".join(words))


def test_pty():
    """libedit through a pty: tab completes a command, an SA name, a key."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["HOME"] = H.WORK
        os.execv(H.ESPGWCTL, [H.ESPGWCTL, "-s", H.SOCK])
    out = b""

    def expect(pat, t=5):
        nonlocal out
        end = time.time() + t
        while time.time() < end:
            if re.search(pat, out):
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        return re.search(pat, out) is not None

    ok = expect(rb"espgw> ")
    os.write(fd, b"sh\tver\t\n")         # show version, typed as sh<TAB>ver<TAB>
    ok1 = expect(rb"espgw \d+\.\d+")
    os.write(fd, b"show sa o\t")          # o4 and o6: listed
    ok2 = expect(rb"o4  o6")
    os.write(fd, b"4\n")
    ok3 = expect(rb"seq_last_sent")
    out = b""
    os.write(fd, b"show sas di\tin\n")    # dir= waits for its value: show sas dir=in
    ok4 = expect(rb"\ni4 .*\n") and not re.search(rb"\no4 ", out)
    bell = b"\x07" in out
    # commands in the shell as one-shot: their text views
    for line, want in ((b"show rates", rb"RX-PPS"), (b"show routes", rb"198\.18\.1\.0/24"),
                       (b"show neigh", rb"static"), (b"show log", rb"dataplane"),
                       (b"clear counters drops", rb"drop counters cleared"),
                       (b"show ike conns", rb"CONNECTION"), (b"help", rb"capture KEY=VALUE")):
        out = b""
        os.write(fd, line + b"\n")
        check(expect(want), "pty: %s in the shell (%r)" % (line.decode(), out[-200:]))
    os.write(fd, b"quit\n")
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = -1
    check(ok and ok1, "pty: sh<TAB>ver<TAB> runs show version")
    check(ok2 and ok3, "pty: show sa o<TAB> lists o4 and o6, show sa o4 answers")
    check(ok4 and not bell, "pty: show sas di<TAB>in runs show sas dir=in, no bell (%r)" % out[-300:])
    check(status == 0, "pty: quit leaves the shell")


NOTIFY = os.path.join(H.WORK, "notify")
PIDFILE = os.path.join(H.WORK, "espgw.pid")
LOGFILE = os.path.join(H.WORK, "file.log")


def notices(sock, t=3.0):
    got, end = [], time.time() + t
    while time.time() < end:
        r, _, _ = select.select([sock], [], [], 0.2)
        if r:
            got.append(sock.recv(4096).decode())
        elif got:
            break
    return "\n".join(got)


def test_daemon(nsock):
    """systemd's side: READY=1 once up, RELOADING=1 then READY=1 on SIGHUP;
    the pid file refuses a second espgw; the log file has ISO times and
    DPDK's own lines through the same logger."""
    first = notices(nsock)
    check("READY=1" in first and "STATUS=up" in first, "sd_notify: READY=1 with a status (%r)"
          % first)
    pid = int(open(PIDFILE).read())
    check(os.path.exists("/proc/%d" % pid), "the pid file holds espgw's pid")
    r = subprocess.run(["ip", "netns", "exec", H.NS_GW, ESPGW, "-c", os.path.join(H.WORK, "espgw.yaml"),
                        "-s", os.path.join(H.WORK, "second.sock"), "--pid-file", PIDFILE],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 1 and ("already running (pid %d" % pid) in r.stderr,
          "a second espgw with the same pid file is refused (%s)" % r.stderr.strip()[-200:])
    check(int(open(PIDFILE).read()) == pid, "and the pid file is still the first one's")
    os.kill(pid, signal.SIGHUP)
    hup = notices(nsock)
    check("RELOADING=1" in hup and "READY=1" in hup and "reloaded" in hup,
          "SIGHUP: RELOADING=1, then READY=1 with what the reload did (%r)" % hup)
    log = open(LOGFILE).read()
    check(re.search(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z espgw INFO core: espgw .* up", log, re.M)
          and re.search(r"espgw \w+ dpdk: ", log), "--log-file: ISO times, DPDK's lines as dpdk")


def tshark(pcap, *args, home=None):
    r = subprocess.run(["tshark", "-r", pcap] + list(args), capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, HOME=home or H.WORK))
    return r.returncode, r.stdout, r.stderr


def capture(*words, wait=None):
    """espgwctl capture ... in the background; returns the process."""
    p = subprocess.Popen([H.ESPGWCTL, "-s", H.SOCK, "capture"] + list(words),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(wait or 0.5)
    return p


def test_capture(n):
    """pcapng from the workers: an SA's plaintext and its ESP, as tshark
    reads them, decrypted by tshark with the keys `keys esp` exported; a
    drop with its reason; the ends (count, time, Ctrl-C)."""
    f1 = os.path.join(H.WORK, "sa.pcapng")
    p = capture("sa=o4", "point=tx,plain", "count=4", "seconds=10", "file=" + f1)
    for i in range(2):
        n.from_host(IP(src="198.18.1.2", dst="198.18.2.2") / UDP(sport=40000, dport=40000) /
                    Raw(b"cap-%d" % i))
    out, err = p.communicate(timeout=15)
    check(p.returncode == 0 and "count reached" in err and "4 packets written" in err,
          "capture sa=o4 count=4 ends by its count (%s)" % err.strip())
    rc, out, err = tshark(f1, "-T", "fields", "-e", "frame.interface_name", "-e", "esp.spi",
                          "-e", "frame.comment")
    rows = [l.split("\t") for l in out.splitlines()]
    plain = [r for r in rows if "plaintext before encryption" in r[-1]]
    esp = [r for r in rows if r[1] == "0x00001001"]
    check(rc == 0 and len(rows) == 4 and len(plain) == 2 and len(esp) == 2 and
          all(r[0] == "outside" for r in esp) and all(r[0] == "inside-ip" for r in plain),
          "tshark reads 2 plaintext (inside-ip) and 2 ESP (outside, SPI 0x1001) packets (%s %s)"
          % (rows, err.strip()[-200:]))
    # tshark decrypts the ESP with the exported keys
    rc, keys, err = ctl("keys", "esp")
    home = os.path.join(H.WORK, "home")
    os.makedirs(os.path.join(home, ".config", "wireshark"), exist_ok=True)
    open(os.path.join(home, ".config", "wireshark", "esp_sa"), "w").write(keys)
    check(rc == 0 and '"0x00001001"' in keys and K_OUT_HEX in keys,
          "keys esp: the esp_sa line of o4 with its key")
    rc, out, err = tshark(f1, "-o", "esp.enable_encryption_decode:TRUE", "-Y", "esp",
                          "-T", "fields", "-e", "data.data", home=home)
    got = sorted(bytes.fromhex(x.replace(":", "")) for x in out.split())
    check(got == [b"cap-0", b"cap-1"], "tshark decrypts the captured ESP with the exported "
          "keys (%s %s)" % (got, err.strip()[-200:]))
    # a drop and its reason: a corrupted ESP packet to i4
    f2 = os.path.join(H.WORK, "drop.pcapng")
    p = capture("point=drop", "drop=esp-icv", "count=1", "file=" + f2)
    bad = bytearray(bytes(O.sa_i4().encrypt(IP(src="198.18.2.2", dst="198.18.1.2") /
                                            UDP(sport=7, dport=9) / Raw(b"x" * 20),
                                            seq_num=50000)))
    bad[-1] ^= 1
    n.from_remote(IP(bytes(bad)))
    out, err = p.communicate(timeout=15)
    rc, out, _ = tshark(f2, "-T", "fields", "-e", "frame.comment", "-e", "esp.spi")
    check(p.returncode == 0 and out.split("\t")[0] == "drop: esp-icv" and "0x00002001" in out,
          "capture drop=esp-icv: the corrupted packet, its reason as the comment (%r)" % out)
    # ends by time, and by Ctrl-C; then the next one may start
    t0 = time.time()
    p = capture("port=inside", "point=rx", "seconds=1", "file=" + os.path.join(H.WORK, "t.pcapng"))
    out, err = p.communicate(timeout=15)
    check(p.returncode == 0 and "time is up" in err and time.time() - t0 < 4,
          "capture seconds=1 ends in time (%s)" % err.strip())
    p = capture("seconds=60", "file=" + os.path.join(H.WORK, "i.pcapng"))
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=10)
    time.sleep(0.2)
    p2 = capture("seconds=1", "file=" + os.path.join(H.WORK, "j.pcapng"))
    out, err = p2.communicate(timeout=15)
    check(p.returncode == 0 and p2.returncode == 0 and "time is up" in err,
          "Ctrl-C ends a capture; the next one starts (%s)" % err.strip())
    for words, want in ((("capture", "point=sideways", "file=x"), "rx, tx, drop"),
                        (("capture", "sa=nope", "file=x"), "no SA nope"),
                        (("capture", "count=5"), "needs file="),
                        (("capture", "colour=red", "file=x"), "no key 'colour'")):
        rc, _, err = ctl(*words)
        check(rc == 1 and want in err, "%s: %s (%s)" % (" ".join(words), want, err.strip()))
    rc, _, _ = ctl("show", "version")
    check(rc == 0, "espgw answers after the captures")


def test_telemetry():
    """What espgwctl --json shows, through DPDK telemetry (its v2 socket):
    SAs (paged), one SA in detail, control and IKE stats, pools, rates."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % H.EGP)
    json.loads(s.recv(16384))

    def q(cmd):
        s.send(cmd.encode())
        return json.loads(s.recv(1 << 20)).get(cmd.split(",")[0])

    sas = q("/espgw/sas")
    mine = {x["name"]: x for x in js("show", "sas")}
    check(sas and sas["total"] == len(mine) and set(mine) <= set(sas) and
          sas["i4"]["spi"] == "00002001" and sas["i4"]["packets"] >= mine["i4"]["packets"],
          "telemetry /espgw/sas: every SA with its counters (%s)" % (sas and sorted(sas)))
    page = q("/espgw/sas,2")
    check(page and page["total"] == len(mine) and len([k for k in page if k != "total"]) ==
          len(mine) - 2, "telemetry /espgw/sas,2: from the third SA on")
    one = q("/espgw/sa,i4")
    check(one and one["seq_highest"] == js("show", "sa", "i4")["seq_highest"] and
          one["lifetime_left_hard_bytes"] == -1 and one["selector_src"] == "198.18.2.0/24",
          "telemetry /espgw/sa,i4: the detail, nested keys flattened (%s)" % one)
    st = q("/espgw/stats")
    check(st and st["messages_posted"] > 0 and "crypto_sessions" in st, "telemetry /espgw/stats")
    check(q("/espgw/ike_stats") is not None and q("/espgw/pools") is not None and
          q("/espgw/ike") == {"total": 0}, "telemetry /espgw/ike_stats, /espgw/pools, /espgw/ike")
    r = q("/espgw/rates")
    check(r and "ports_outside" in r and "rx_pps" in r["ports_outside"], "telemetry /espgw/rates")
    check(q("/espgw/sa,nope") is None, "telemetry /espgw/sa of no SA: an error, not a crash")
    s.close()


def main():
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(NOTIFY)
    H.ESPGW_ENV = dict(os.environ, NOTIFY_SOCKET=NOTIFY)
    H.ESPGW_ARGS = ["--pid-file", PIDFILE, "--log-file", LOGFILE]
    return H.run_suite(ESPGW, "mgmt_key_export: true\n" + O.config(), (
        lambda n, _: test_daemon(nsock), lambda n, _: test_capture(n),
        lambda n, _: test_sa_detail(n), lambda n, _: test_filters(),
        lambda n, _: test_rates(n), lambda n, _: test_clear(),
        lambda n, _: test_routes_neigh(), lambda n, _: test_log(),
        lambda n, _: test_table(), lambda n, _: test_schemas(), lambda n, _: test_telemetry(),
        lambda n, _: test_pty()))


if __name__ == "__main__":
    sys.exit(main())
