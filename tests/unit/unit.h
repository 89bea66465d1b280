/* SPDX-License-Identifier: BSD-3-Clause */
/* One CUnit runner for every unit test program. */
#ifndef ESPGW_UNIT_H
#define ESPGW_UNIT_H

#include <CUnit/Basic.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* Run one suite verbosely; exit status 0 only when nothing failed. */
static inline int
unit_run(const char *suite, const struct unit_test *t)
{
	CU_pSuite s;
	int f;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite(suite, NULL, NULL);
	for (; t->name != NULL; t++)
		CU_add_test(s, t->name, t->fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	f = CU_get_number_of_failures();
	CU_cleanup_registry();
	return f ? 1 : 0;
}

#endif
