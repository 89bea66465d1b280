"""Shared harness of the integration tests: namespaces, raw sockets,
espgwctl, drop counters, checks. Peers are scapy and tshark."""
import ctypes
import json
import os
import select
import socket
import struct
import subprocess
import tempfile
import time

from scapy.all import Ether, IP, IPv6, conf
from scapy.compat import raw
from scapy.layers.ipsec import ESP, IPSecIntegrityError

EGP = os.environ["EGP"]
NS_H, NS_GW, NS_R = EGP + "-h", EGP + "-gw", EGP + "-r"
WORK = tempfile.mkdtemp(prefix="espgw-it-")
SOCK = os.path.join(WORK, "espgw.sock")
ESPGWCTL = None           # set by the test
libc = ctypes.CDLL("libc.so.6", use_errno=True)
conf.verb = 0

failures = []
passed = 0



def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def setns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)


def hwaddr(ifname):
    """MAC of ifname in the current network namespace (sysfs shows root's)."""
    import fcntl
    import struct
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r = fcntl.ioctl(s.fileno(), 0x8927, struct.pack("256s", ifname.encode()))
    finally:
        s.close()
    return ":".join("%02x" % b for b in r[18:24])


def l2sock(ns, ifname):
    setns(ns)
    return conf.L2socket(iface=ifname), hwaddr(ifname)


def ctl(*args):
    out = subprocess.run([ESPGWCTL, "-s", SOCK] + list(args), capture_output=True,
                         text=True, timeout=10)
    return out.returncode, out.stdout, out.stderr


def drops():
    rc, out, _ = ctl("show", "drops", "--json")
    return json.loads(out) if rc == 0 else {}


class EsnAuth:
    """scapy 2.5.0 ignores esn_en for ESP in AuthAlgo.sign/verify (only its
    AH branch appends the high-order bits), so its HMAC of an ESN SA omits
    them; RFC 4303 2.2.1 and 3.3.2.2.1 put them in. Sign and verify ESP
    with them here, for SAs with ESN; the high half is 0 in these tests."""

    def __init__(self, inner, esn_hi=0):
        self.inner = inner
        self.hi = struct.pack("!L", esn_hi)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _mac(self, data, key):
        mac = self.inner.new_mac(key)
        mac.update(data + self.hi)
        return mac.finalize()[:self.inner.icv_size]

    def sign(self, pkt, key, esn_en=False, esn=0):
        pkt[ESP].data += self._mac(raw(pkt[ESP]), key)
        return pkt

    def verify(self, pkt, key, esn_en=False, esn=0):
        icv = pkt.data[len(pkt.data) - self.inner.icv_size:]
        clone = pkt.copy()
        clone.data = clone.data[:len(clone.data) - self.inner.icv_size]
        if self._mac(raw(clone), key) != icv:
            raise IPSecIntegrityError("ICV mismatch (ESN)")


def recv_match(sock, pred, timeout=3.0):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([sock], [], [], max(0.0, end - time.time()))
        if not r:
            break
        p = sock.recv()
        if p is not None and pred(p):
            return p
    return None



def l3(p):
    return p[IP] if IP in p else p[IPv6]


def dec_ttl(pkt):
    """What a router forwards: TTL / hop limit one lower."""
    q = pkt.copy()
    if IP in q:
        q[IP].ttl -= 1
        del q[IP].chksum
    else:
        q[IPv6].hlim -= 1
    return q.__class__(bytes(q))


# more of espgw's command line, and its environment (None: ours)
ESPGW_ARGS = []
ESPGW_ENV = None


def start_espgw(espgw, cfg_text, name="espgw"):
    """Write cfg_text, start espgw on it in the gateway namespace, wait for
    its socket. Returns (process, config path, log path)."""
    path = os.path.join(WORK, name + ".yaml")
    open(path, "w").write(cfg_text)
    logp = os.path.join(WORK, name + ".log")
    gw = subprocess.Popen(["ip", "netns", "exec", NS_GW, espgw, "-c", path] + ESPGW_ARGS,
                          stdout=open(logp, "w"), stderr=subprocess.STDOUT, env=ESPGW_ENV)
    for _ in range(100):
        if os.path.exists(SOCK):
            break
        time.sleep(0.1)
    check(os.path.exists(SOCK), "espgw management socket appears")
    # the socket is bound before EAL starts; espgw answers once it is up
    for _ in range(40):
        if gw.poll() is not None or ctl("show", "version")[0] == 0:
            break
        time.sleep(0.5)
    check(gw.poll() is None, "espgw up (answers on its socket)")
    return gw, path, logp


def alive(gw):
    """A dead espgw fails the test now instead of timing out packet by
    packet."""
    ok = gw.poll() is None
    check(ok, "espgw still running")
    return ok


def stop_espgw(gw, logp):
    gw.terminate()
    try:
        gw.wait(timeout=10)
    except subprocess.TimeoutExpired:
        gw.kill()
        gw.wait()
    check(gw.returncode == 0, "espgw exits cleanly (rc %s)" % gw.returncode)
    if failures:
        print(open(logp).read()[-3000:])


# the DPDK driver on the veth ends: af_packet (default) or af_xdp
PMD = os.environ.get("ESPGW_PMD", "af_packet")
WORKERS = int(os.environ.get("ESPGW_WORKERS", "1"))
# several workers need a queue pair each on every port
PMD_ARGS = ",qpairs=%d" % WORKERS if WORKERS > 1 and PMD == "af_packet" else \
           ",queue_count=%d" % WORKERS if WORKERS > 1 else ""
PORTS_YAML = """ports:
  - { name: inside, devargs: "net_%(pmd)s0,iface=eg-in%(args)s", addresses: [198.18.1.1/24, "fd00:1::1/64"]%%s }
  - { name: outside, devargs: "net_%(pmd)s1,iface=eg-out%(args)s", addresses: [198.18.0.1/24, "fd00::1/64"]%%s }
routes:
  - { prefix: 198.18.2.0/24, via: 198.18.0.2, port: outside }
  - { prefix: "fd00:2::/64", via: "fd00::2", port: outside }
""" % {"pmd": PMD, "args": PMD_ARGS}


def host_sinks():
    """Listeners on the test port in the host namespace (call after setns),
    so its kernel answers no ICMP errors through the tunnel."""
    sinks = [socket.socket(f, socket.SOCK_DGRAM) for f in (socket.AF_INET, socket.AF_INET6)]
    sinks[0].bind(("0.0.0.0", 9))
    sinks[1].setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sinks[1].bind(("::", 9))
    return sinks


class Net:
    """Raw sockets on the inside host (h0) and the remote side (r0), and
    the gateway's MACs, for sending frames to espgw from either side."""

    def __init__(self):
        global SINKS
        self.hs, self.hmac = l2sock(NS_H, "h0")
        SINKS = host_sinks()   # kept open for the whole test
        self.rs, self.rmac = l2sock(NS_R, "r0")
        setns(NS_GW)
        self.gin, self.gout = hwaddr("eg-in"), hwaddr("eg-out")

    def from_host(self, pkt):
        self.hs.send(Ether(src=self.hmac, dst=self.gin) / pkt)

    def from_remote(self, pkt):
        self.rs.send(Ether(src=self.rmac, dst=self.gout) / pkt)


def warm_neighbours():
    for ns, addrs in ((NS_H, ("198.18.1.1", "fd00:1::1")), (NS_R, ("198.18.0.1", "fd00::1"))):
        for a in addrs:
            subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", a],
                           capture_output=True)


def summary():
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


def run_suite(espgw, config, tests):
    """Start espgw on config, make the namespaces' Net, run each test (a
    function of the Net; None skips) while espgw lives, print its drops,
    stop it; the exit status."""
    gw, cfg, logp = start_espgw(espgw, config)
    try:
        n = Net()
        warm_neighbours()
        for t in tests:
            if t is not None and alive(gw):
                t(n, cfg)
        print(ctl("show", "drops")[1])
    finally:
        stop_espgw(gw, logp)
    return summary()

