/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/drop.h"

const char *const espgw_drop_name[ESPGW_DROP_MAX] = {
#define X(id, name, help) [ESPGW_DROP_##id] = name,
	ESPGW_DROP_REASONS(X)
#undef X
};

const char *const espgw_drop_help[ESPGW_DROP_MAX] = {
#define X(id, name, help) [ESPGW_DROP_##id] = help,
	ESPGW_DROP_REASONS(X)
#undef X
};
