/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: management requests (the socket's untrusted lines)
 * run by mgmt_execute() on a daemon whose SA manager and worker are real
 * (tests/dp/dp_harness: configuration applied, messages to the worker
 * handled after each request). The first byte picks the caller (admin or
 * reader) and whether to answer in JSON; the rest is the line. Every
 * request gets OK or ERR with a reason; none may crash, hang or leave a
 * message unacknowledged.
 */
#include <stdlib.h>
#include <string.h>

#include "control/ctl.h"
#include "control/mgmt.h"
#include "tests/dp/dp_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dph_sa sas[] = {
	{ "aes-gcm-128", 64, false, 0, 0 },
	{ "aes-cbc-128-sha256", 64, true, 0, 0 },
};

DPH_FUZZ_INIT(sas)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgmt_caller who = { .uid = 0, .pid = 1 };
	struct sbuf b = { 0 };
	char line[2048], err[256] = "";
	int rc;

	if (size == 0 || size > sizeof(line))
		return 0;
	who.admin = data[0] & 1;
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	if ((data[0] & 2) && size + 7 < sizeof(line)) {
		memmove(line + 7, line, size);
		memcpy(line, "--json ", 7);
	}
	rc = mgmt_execute(line, &who, -1, &b, err, sizeof(err));
	if (rc != 0 && rc != -1)
		abort();
	if (rc < 0 && err[0] == '\0')
		abort();		/* an ERR always says why */
	free(b.p);
	dph_pump();
	if (ctl.in_flight != 0)
		abort();		/* every message acknowledged */
	return 0;
}
