/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the key=value words of `espgwctl sa add` / `policy
 * add` (untrusted management input), split on spaces as the socket does.
 */
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], err[256], *argv[64], *save = NULL;
	int argc = 0;
	struct sa_desc sa;
	struct policy_desc p;

	if (size == 0 || size >= sizeof(line))
		return 0;
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	for (char *t = strtok_r(line, " ", &save); t && argc < 64; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (data[0] & 1) {
		if (config_parse_sa_words(argc, argv, &sa, err, sizeof(err)) == 0 &&
		    config_check_sa(&sa, err, sizeof(err)) != 0)
			abort();	/* accepted words must give a valid SA */
	} else {
		config_parse_policy_words(argc, argv, &p, err, sizeof(err));
	}
	return 0;
}
