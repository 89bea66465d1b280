/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the YAML configuration loader on arbitrary bytes. */
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	char *text = malloc(size + 1);
	struct espgw_config *c;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	c = config_load_string(text, "fuzz", err, sizeof(err));
	/* a refusal must say where and what */
	if (c == NULL && strncmp(err, "fuzz:", 5) != 0)
		abort();
	config_free(c);
	free(text);
	return 0;
}
