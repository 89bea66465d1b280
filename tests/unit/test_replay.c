/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The anti-replay window against a naive model (a flag per sequence
 * number) at every bit position of every supported window size, with and
 * without ESN, and across the 2^32 boundary.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

#include "common/replay.h"

static const uint32_t sizes[] = { 32, 64, 128, 1024, 4096 };

/* naive model: flags for seq in [base, base + span) */
struct model {
	uint64_t base, top;
	uint32_t w;
	uint8_t *seen;
	uint64_t span;
};

static int
model_check(const struct model *m, uint64_t s)
{
	if (s == 0)
		return -1;
	if (s > m->top)
		return 0;
	if (m->top - s >= m->w)
		return -1;
	return m->seen[s - m->base] ? -1 : 0;
}

static int
model_update(struct model *m, uint64_t s)
{
	if (model_check(m, s) < 0)
		return -1;
	if (s > m->top)
		m->top = s;
	m->seen[s - m->base] = 1;
	return 0;
}

static struct replay_win *
win(uint32_t w)
{
	struct replay_win *r = malloc(replay_size(w));
	replay_init(r, w);
	return r;
}

/* accept top, then top - p; compare every offset 0..w+1 with the model */
static void
positions(uint64_t top, int esn)
{
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		uint32_t w = sizes[z];
		for (uint32_t p = 0; p <= w + 1; p++) {
			struct replay_win *r = win(w);
			struct model m = { .base = top - 2 * w, .w = w, .span = 4 * w };
			int bad = 0;
			m.seen = calloc(m.span, 1);
			m.top = 0;
			/* get both to top via one jump */
			r->top = 0;
			bad |= replay_update(r, top) != model_update(&m, top);
			if (p != 0)
				bad |= replay_update(r, top - p) != model_update(&m, top - p);
			for (uint32_t d = 0; d <= w + 1; d++) {
				uint64_t s = top - d;
				if (esn)
					bad |= replay_esn(r, (uint32_t)s) != s && d < w;
				bad |= replay_check(r, s) != model_check(&m, s);
			}
			/* everything right of top is new */
			for (uint32_t d = 1; d < 70; d++)
				bad |= replay_check(r, top + d) != 0;
			CU_ASSERT_FALSE(bad);
			free(m.seen);
			free(r);
		}
	}
}

static void test_positions_low(void) { positions(100000, 0); }
static void test_positions_u32_edge(void) { positions(0xffffffffull, 0); }
static void test_positions_esn_cross(void)
{
	/* top just past 2^32: the window straddles the boundary */
	positions((1ull << 32) + 5, 1);
	positions((1ull << 32) + 4095, 1);
	positions(3ull << 32, 1);
}

/* random walk with duplicates, old packets and jumps, across 2^32 (ESN) */
static void
walk(uint64_t start, int esn)
{
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		uint32_t w = sizes[z];
		struct replay_win *r = win(w);
		struct model m = { .base = start, .w = w, .span = 64ull * w + 200000 };
		uint64_t s = start + 1;
		int bad = 0;

		m.seen = calloc(m.span, 1);
		srand(w + esn);
		replay_update(r, s);
		model_update(&m, s);
		for (int i = 0; i < 200000; i++) {
			int k = rand() % 100;
			uint64_t t;
			if (k < 60)
				t = m.top + 1 + rand() % 3;
			else if (k < 95)
				t = m.top - (rand() % (w + 8));
			else
				t = m.top + rand() % (2 * w);
			if (t <= m.base || t >= m.base + m.span)
				continue;
			if (esn) {
				uint64_t rec = replay_esn(r, (uint32_t)t);
				/* reconstruction is exact within the window and ahead */
				if (t + w > r->top && t < r->top + (1ull << 31))
					bad |= rec != t;
				t = rec;
				if (t <= m.base || t >= m.base + m.span)
					continue;
			}
			bad |= replay_check(r, t) != model_check(&m, t);
			bad |= replay_update(r, t) != model_update(&m, t);
			bad |= r->top != m.top;
		}
		CU_ASSERT_FALSE(bad);
		free(m.seen);
		free(r);
	}
}

static void test_walk_plain(void) { walk(1000, 0); }
static void test_walk_esn_cross(void) { walk((1ull << 32) - 100000, 1); }

static void
test_zero_and_start(void)
{
	struct replay_win *r = win(64);

	CU_ASSERT_EQUAL(replay_check(r, 0), -1);
	CU_ASSERT_EQUAL(replay_update(r, 1), 0);
	CU_ASSERT_EQUAL(replay_update(r, 1), -1);
	/* ESN at the start: the top of the 32-bit space is "before 1" */
	CU_ASSERT_EQUAL(replay_esn(r, 0xffffffffu), 0);
	free(r);
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "every position, low numbers", test_positions_low },
		{ "every position, 32-bit top", test_positions_u32_edge },
		{ "every position, ESN across 2^32", test_positions_esn_cross },
		{ "random walk, no ESN", test_walk_plain },
		{ "random walk, ESN across 2^32", test_walk_esn_cross },
		{ "zero and start", test_zero_and_start },
		{ NULL, NULL },
	};

	return unit_run("replay", t);
}
