-- pktgen script for bench/pktgen/run.sh: one run of the matrix.
-- Everything comes from the environment run.sh sets:
--   PG_SIZE     frame size in bytes (64, 512, 1420, ...) or "imix" (7:4:1 of
--               64/576/1500, pktgen's sequence mode: 7+4+1 packets per round)
--   PG_TX       which ports send: "0" (plain into the gateway's inside,
--               outbound), "1" (port 1 replays its pcap into the outside,
--               inbound), "0,1" (both)
--   PG_DMAC0, PG_DMAC1  the gateway's MACs of the two ports
--   PG_SECONDS  measured seconds (after one second to settle)
--   PG_RESULT   file for the result line: "tx0 rx0 tx1 rx1 FULL RATE SENT100":
--               packets per second each port sent and received in the
--               reported trial, FULL 1 when the 100 % trial lost no more
--               than PG_SEARCH allows, RATE that trial's rate (% of link),
--               SENT100 what the sending ports sent per second at 100 %
--   PG_SEARCH   a loss in percent (0, 0.01, ...): search the highest rate
--               with at most that loss (PG_SEARCH_STEPS bisections, 6);
--               unset: one trial at 100 %
--   PG_ARP      "1": the gateway has no static neighbours for pktgen's
--               ports; pktgen answers its ARP requests (process on) and a
--               first run of 64 packets per sending port makes the gateway
--               ask, before the measured run
--   PG_AFTER_ARP  a shell command run after that first run (run.sh: clear
--               espgw's drop counters, so that what resolving dropped is
--               not counted against the measured run)
--   PG_AFTER_RUN  a shell command run after the measurement, before pktgen
--               leaves (run.sh: read espgw's drops and neighbours)
local size = os.getenv("PG_SIZE") or "64"
local tx = os.getenv("PG_TX") or "0"
local secs = tonumber(os.getenv("PG_SECONDS") or "5")
local out = os.getenv("PG_RESULT") or "/tmp/pg-result"
local dmac = { [0] = os.getenv("PG_DMAC0"), [1] = os.getenv("PG_DMAC1") }
local arp = os.getenv("PG_ARP") == "1"
local search = os.getenv("PG_SEARCH")	-- the loss allowed, in percent
if search == "" then
	search = nil
end
local maxloss = tonumber(search or "100")
local search_steps = tonumber(os.getenv("PG_SEARCH_STEPS") or "6")

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

-- pktgen's port counters (portStats) are sampled once a second by its
-- timer thread, so a trial is measured from idle to idle: counters read
-- before it starts, TX for PG_SECONDS, then stopped, and read again once
-- the rings have drained and a new sample was taken. Every packet of the
-- trial is in both readings, so the loss is exact.
local function snap()
	local s = pktgen.portStats("all", "port")
	return { s[0].opackets, s[0].ipackets, s[1].opackets, s[1].ipackets }
end

-- one trial at RATE % of the link: packets per second sent and delivered
-- (ports 0 -> 1, 1 -> 0, or both summed) and the four port rates
local function trial(rate, seconds)
	pktgen.set(tx, "rate", rate)
	local a = snap()
	pktgen.start(tx)
	pktgen.delay(math.floor(seconds * 1000))
	pktgen.stop(tx)
	pktgen.delay(1500)
	local b = snap()
	local r = {}
	for i = 1, 4 do
		r[i] = math.floor((b[i] - a[i]) / seconds)
	end
	local sent, got = 0, 0
	if string.find(tx, "0") then sent, got = sent + r[1], got + r[4] end
	if string.find(tx, "1") then sent, got = sent + r[3], got + r[2] end
	return sent, got, r
end

local function lossy(sent, got)
	return sent == 0 or 100 * (sent - got) / sent > maxloss
end

local function measure()
	if arp then
		-- pktgen answers ARP requests for each port's source address
		pktgen.process("all", "on")
		pktgen.set(tx, "count", 64)
		pktgen.start(tx)
		pktgen.delay(1000)
		pktgen.stop(tx)
		pktgen.set(tx, "count", 0)
		local cmd = os.getenv("PG_AFTER_ARP")
		if cmd and cmd ~= "" then
			os.execute(cmd)
		end
	end

	pktgen.delay(1200)	-- a first counter sample
	local best, sent, got, r = 100, trial(100, secs)
	local full, sent100 = not lossy(sent, got), sent
	if search and not full then
		-- RFC 2544 throughput: the highest offered rate whose loss is at most
		-- PG_SEARCH percent, by bisection between 0 and what pktgen sent at
		-- 100 % (pktgen's rate is a percentage of the link: calibrated by one
		-- short trial at 0.1 %)
		local top, rt = sent, r
		local p = trial(0.1, 1)
		local per_pct = p * 10	-- packets per second for 1 %
		local lo, hi = 0, top
		best, r = 0, nil
		for _ = 1, search_steps do
			local mid = (lo + hi) / 2
			local pct = mid / per_pct
			local s2, g2, r2 = trial(pct, secs)
			if lossy(s2, g2) then
				hi = mid
			else
				lo, best, r = mid, pct, r2
			end
		end
		if r == nil then	-- nothing passed: report the 100 % trial
			best, r = 0, rt
		end
	end
	local f = io.open(out, "w")
	f:write(string.format("%d %d %d %d %s %.4f %d\n", r[1], r[2], r[3], r[4], full and 1 or 0,
		best, sent100))
	f:close()
end

-- an error must not leave pktgen sending: it is written next to the result
-- (run.sh prints it) and pktgen stops and quits all the same
local ok, err = pcall(measure)
if ok and (os.getenv("PG_AFTER_RUN") or "") ~= "" then
	os.execute(os.getenv("PG_AFTER_RUN"))	-- run.sh reads espgw's counters
end
if not ok then
	local f = io.open(out .. ".err", "w")
	f:write(tostring(err) .. "\n")
	f:close()
end
pktgen.stop("all")
pktgen.delay(200)
pktgen.quit()
