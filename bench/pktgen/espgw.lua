-- pktgen script for bench/pktgen/run.sh: one run of the matrix.
-- Everything comes from the environment run.sh sets:
--   PG_SIZE     frame size in bytes (64, 512, 1420, ...) or "imix" (7:4:1 of
--               64/576/1500, pktgen's sequence mode: 7+4+1 packets per round)
--   PG_TX       which ports send: "0" (plain into the gateway's inside,
--               outbound), "1" (port 1 replays its pcap into the outside,
--               inbound), "0,1" (both)
--   PG_DMAC0, PG_DMAC1  the gateway's MACs of the two ports
--   PG_SECONDS  measured seconds (after one second to settle)
--   PG_RESULT   file for the result line:
--               "tx0 rx0 tx1 rx1" packets per second over the measured time
--   PG_ARP      "1": the gateway has no static neighbours for pktgen's
--               ports; pktgen answers its ARP requests (process on) and a
--               first run of 64 packets per sending port makes the gateway
--               ask, before the measured run
--   PG_AFTER_ARP  a shell command run after that first run (run.sh: clear
--               espgw's drop counters, so that what resolving dropped is
--               not counted against the measured run)
local size = os.getenv("PG_SIZE") or "64"
local tx = os.getenv("PG_TX") or "0"
local secs = tonumber(os.getenv("PG_SECONDS") or "5")
local out = os.getenv("PG_RESULT") or "/tmp/pg-result"
local dmac = { [0] = os.getenv("PG_DMAC0"), [1] = os.getenv("PG_DMAC1") }
local arp = os.getenv("PG_ARP") == "1"

-- rate and burst first; pcap mode and the sequence (imix) come after the
-- single-packet settings, which pcap mode ("pcap on") leaves unused but
-- which still give each port the IP address it answers ARP for
pktgen.set("all", "rate", 100)
pktgen.set("all", "burst", 32)
-- port 0: UDP 198.18.1.2:1234 -> 198.18.2.2:5678, to the gateway's inside
pktgen.set_mac("0", "dst", dmac[0])
pktgen.set_ipaddr("0", "src", "198.18.1.2/24")
pktgen.set_ipaddr("0", "dst", "198.18.2.2")
pktgen.set_proto("0", "udp")
pktgen.set("0", "sport", 1234)
pktgen.set("0", "dport", 5678)
-- port 1: the gateway's outside peer (198.18.0.2)
pktgen.set_mac("1", "dst", dmac[1])
pktgen.set_ipaddr("1", "src", "198.18.0.2/24")
pktgen.set_ipaddr("1", "dst", "198.18.0.1")

if size == "imix" then
	local sizes = { 64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500 }
	for i, sz in ipairs(sizes) do
		pktgen.seqTable(i - 1, "0", {
			["eth_dst_addr"] = dmac[0], ["eth_src_addr"] = "02:00:00:00:01:00",
			["ip_dst_addr"] = "198.18.2.2", ["ip_src_addr"] = "198.18.1.2/24",
			["sport"] = 1234, ["dport"] = 5678, ["ethType"] = "ipv4",
			["ipProto"] = "udp", ["vlanid"] = 1, ["pktSize"] = sz,
			["gtpu_teid"] = 0 })
	end
	pktgen.set("0", "seq_cnt", #sizes)
else
	-- pktgen's sizes count the 4-byte FCS (64: a 60-byte frame plus FCS),
	-- as RFC 2544 does, and so do seqTable's pktSize values above
	pktgen.set("0", "size", tonumber(size))
end

-- port 1 replays the pcap loaded with -s 1:FILE: pcap mode is switched on
-- last (any single-packet setting switches a port back) and its rate set
-- after it (enabling pcap mode leaves the port idle until then)
if string.find(tx, "1") then
	pktgen.pcap("1", "on")
	pktgen.set("1", "rate", 100)
end

local function snap()
	local s = pktgen.portStats("all", "port")
	return { s[0].opackets, s[0].ipackets, s[1].opackets, s[1].ipackets }
end

if arp then
	-- pktgen answers ARP requests for each port's source address
	pktgen.process("all", "on")
	pktgen.set(tx, "count", 64)
	pktgen.start(tx)
	pktgen.delay(1000)
	pktgen.stop(tx)
	pktgen.set(tx, "count", 0)
	local cmd = os.getenv("PG_AFTER_ARP")
	if cmd then
		os.execute(cmd)
	end
end

pktgen.start(tx)
pktgen.delay(1000)
local a = snap()
pktgen.delay(secs * 1000)
local b = snap()
pktgen.stop("all")
local f = io.open(out, "w")
local function pps(i)
	return math.floor((b[i] - a[i]) / secs)
end
f:write(string.format("%d %d %d %d\n", pps(1), pps(2), pps(3), pps(4)))
f:close()
pktgen.delay(200)
pktgen.quit()
