#!/usr/bin/python3
"""IKE_SA + CHILD_SA setups over real UDP, responder CPU per setup: espgw's
engine (espgw-ike) and strongSwan's charon as responders in turn, driven by
the same initiator (espgw-ike --count N, 32 setups in flight) from another
namespace, on the same cores in the same run. Responder CPU is read from
/proc/PID/stat (user + system) before and after.

  bench/ike_setup.py BUILD_DIR [N] [CSV] [VERSION]

VERSION 1: IKEv1 main mode (PSK) and quick mode, for espgw and charon, with
AES-CBC-128, SHA-256, X25519 (ESP AES-GCM-128); with VERSION 2 and the
same algorithms as a third argument pair the two compare. VERSION eap:
road warriors, IKEv2 with EAP-MSCHAPv2 and a virtual IP each (the same
user: one lease), against espgw's engine, and plain IKEv2 PSK in the same
run as the reference; with the responder's memory per IKE SA (RSS grown
over the setups, all of them held). Prints one CSV line per responder
(espgw-bench's columns, mode ike-socket; responder=espgw-v1 ... for
IKEv1, espgw-eap for EAP).
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
CSV = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
EAP = len(sys.argv) > 4 and sys.argv[4] == "eap"
VER = 2 if EAP else int(sys.argv[4]) if len(sys.argv) > 4 else 2
PROP = sys.argv[5] if len(sys.argv) > 5 else \
    "aes128gcm16-prfsha256-x25519" if VER == 2 else "aes128-sha256-x25519"
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.argv = [sys.argv[0], BUILD]
import ike_charon as C  # noqa: E402

TOOL = os.path.join(BUILD, "control", "espgw-ike")
TICK = os.sysconf("SC_CLK_TCK")
VARGS = ["--ike-version", "1"] if VER == 1 else []
SUFFIX = "-v1" if VER == 1 else ""


EAP_I = ["--eap-user", "alice", "--eap-password", "alice-pw", "--vip"]
EAP_R = ["--eap-server", "--user", "alice:alice-pw", "--pool", "10.100.0.1-10.100.255.254"]


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def initiator(eap=False):
    r = subprocess.run(["ip", "netns", "exec", C.A, TOOL, "--local", C.IP_A, "--remote", C.IP_B,
                        "--psk", C.PSK, "--local-ts", "0.0.0.0/0" if eap else C.NET_A,
                        "--remote-ts", C.NET_B,
                        "--ike", PROP, "--esp", "aes128gcm16", "--initiate",
                        "--count", str(N), "--seconds", "120"] + VARGS + (EAP_I if eap else []),
                       capture_output=True, text=True, timeout=180)
    for line in r.stdout.splitlines():
        if '"setups"' in line:
            return json.loads(line)
    raise SystemExit("initiator failed: " + r.stdout[-500:] + r.stderr[-500:])


def measure(name, pid, eap=False):
    c0 = cpu_s(pid)
    m0 = rss_kb(pid)
    t0 = time.time()
    res = initiator(eap)
    wall = time.time() - t0
    used = cpu_s(pid) - c0
    kb = (rss_kb(pid) - m0) / max(res["count"], 1)
    line = ("ike-socket,%s,responder=%s,%d,-,-,%d,%.3f,%.6f,0,0,resp_ms=%.3f,setups_per_s=%.0f,"
            "rss_kb_per_sa=%.2f"
            % (PROP, name + SUFFIX, N, res["count"], wall, res["count"] / wall / 1e6,
               used * 1000 / max(res["count"], 1), res["setups_per_s"], kb))
    print(line, flush=True)
    if CSV:
        f = line.split(",")
        open(CSV, "a").write(",".join(f[:11]) + "," + ";".join(f[11:]) + "\n")
    return res["count"] == N


def main():
    ok = True
    C.VERSION = VER
    C.netns_up()
    try:
        # espgw's engine as the responder (EAP: PSK first, the reference)
        for eap in ([False, True] if EAP else [False]):
            p = subprocess.Popen(["ip", "netns", "exec", C.B, TOOL, "--local", C.IP_B, "--psk",
                                  C.PSK, "--local-ts", C.NET_B, "--remote-ts",
                                  "0.0.0.0/0" if eap else C.NET_A, "--ike", PROP, "--esp",
                                  # (no --count: it holds them all until ended, for RSS)
                                  "aes128gcm16", "--seconds", "150"] +
                                 VARGS + (EAP_R if eap else []),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            ok &= measure("espgw-eap" if eap else "espgw", p.pid, eap)
            p.terminate()
            p.wait()
        if EAP:
            sys.exit(0 if ok else 1)
        # charon as the responder: no cookie or half-open limits (one source)
        orig = C.charon_conf

        def conf():
            orig()
            s = open(C.W + "/strongswan.conf").read().replace(
                "  install_routes", "  cookie_threshold = 1000000\n  block_threshold = 1000000\n"
                "  init_limit_half_open = 1000000\n  install_routes")
            open(C.W + "/strongswan.conf", "w").write(s.replace("chd = 4", "chd = 0")
                                                      .replace("ike = 2", "ike = 0")
                                                      .replace("cfg = 2", "cfg = 0"))
        C.charon_conf = conf
        C.charon_start()
        C.charon_load(PROP, "aes128gcm16")
        pid = int(subprocess.run(["ip", "netns", "pids", C.B], capture_output=True,
                                 text=True).stdout.split()[0])
        # the reference: its count is reported, not required (charon's IKEv1
        # responder loses quick modes of parallel IKE SAs from one peer here)
        measure("charon", pid)
    finally:
        C.cleanup()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
