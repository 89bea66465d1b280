/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Build an SPD (two rte_acl contexts, IPv4 and IPv6) from policy
 * descriptors. Built by the control thread off to the side and swapped
 * into the workers by pointer.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_acl.h>

#include "dataplane/spd_key.h"

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, NF4 };
enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4,
       F6_DPORT, NF6 };

RTE_ACL_RULE_DEF(acl4_rule, NF4);
RTE_ACL_RULE_DEF(acl6_rule, NF6);

static void
defs4(struct rte_acl_field_def *d)
{
	d[F_PROTO] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_BITMASK, 1,
		F_PROTO, 0, offsetof(struct spd_key4, proto) };
	d[F_SRC] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK, 4,
		F_SRC, 1, offsetof(struct spd_key4, src) };
	d[F_DST] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK, 4,
		F_DST, 2, offsetof(struct spd_key4, dst) };
	d[F_SPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F_SPORT, 3, offsetof(struct spd_key4, sport) };
	d[F_DPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F_DPORT, 3, offsetof(struct spd_key4, dport) };
}

static void
defs6(struct rte_acl_field_def *d)
{
	d[F6_PROTO] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_BITMASK, 1,
		F6_PROTO, 0, offsetof(struct spd_key6, proto) };
	for (int i = 0; i < 4; i++) {
		d[F6_SRC0 + i] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK,
			4, F6_SRC0 + i, 1 + i, offsetof(struct spd_key6, src) + 4 * i };
		d[F6_DST0 + i] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK,
			4, F6_DST0 + i, 5 + i, offsetof(struct spd_key6, dst) + 4 * i };
	}
	d[F6_SPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F6_SPORT, 9, offsetof(struct spd_key6, sport) };
	d[F6_DPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F6_DPORT, 9, offsetof(struct spd_key6, dport) };
}

/* prefix length of 32-bit word i of an address prefix */
static uint32_t
word_len(const struct ip_prefix *p, int i)
{
	int l = (int)p->len - 32 * i;

	return p->addr.family == 0 ? 0 : l <= 0 ? 0 : l >= 32 ? 32 : l;
}

static uint32_t
word_val(const struct ip_prefix *p, int i)
{
	uint32_t v;

	if (p->addr.family == 0)
		return 0;
	memcpy(&v, p->addr.a + 4 * i, 4);
	return rte_be_to_cpu_32(v);
}

static struct rte_acl_ctx *
build_ctx(int family, const struct policy_desc *p, unsigned n, char *err,
	  size_t el)
{
	static unsigned gen;
	struct rte_acl_param prm = { 0 };
	struct rte_acl_config cfg = { 0 };
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	unsigned nf = family == AF_INET ? NF4 : NF6, added = 0;
	int rc;

	/* rte_acl_create returns an existing context of the same name */
	snprintf(name, sizeof(name), "spd%c_%u", family == AF_INET ? '4' : '6', gen++);
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.rule_size = RTE_ACL_RULE_SZ(nf);
	prm.max_rule_num = n ? n : 1;
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		snprintf(err, el, "rte_acl_create failed");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct selector *s = &p[i].sel;
		int fam = s->src.addr.family ? s->src.addr.family : s->dst.addr.family;
		if (fam != 0 && fam != family)
			continue;
		union {
			struct acl4_rule r4;
			struct acl6_rule r6;
		} u;
		struct rte_acl_field *f = family == AF_INET ? u.r4.field : u.r6.field;
		struct rte_acl_rule_data *d = family == AF_INET ? &u.r4.data : &u.r6.data;

		memset(&u, 0, sizeof(u));
		d->category_mask = 1;
		d->priority = p[i].priority + 1;	/* 0 is not a valid priority */
		d->userdata = i + 1;
		f[0].value.u8 = s->proto;
		f[0].mask_range.u8 = s->proto ? 0xff : 0;
		if (family == AF_INET) {
			f[F_SRC].value.u32 = word_val(&s->src, 0);
			f[F_SRC].mask_range.u32 = word_len(&s->src, 0);
			f[F_DST].value.u32 = word_val(&s->dst, 0);
			f[F_DST].mask_range.u32 = word_len(&s->dst, 0);
		} else {
			for (int w = 0; w < 4; w++) {
				f[F6_SRC0 + w].value.u32 = word_val(&s->src, w);
				f[F6_SRC0 + w].mask_range.u32 = word_len(&s->src, w);
				f[F6_DST0 + w].value.u32 = word_val(&s->dst, w);
				f[F6_DST0 + w].mask_range.u32 = word_len(&s->dst, w);
			}
		}
		f[nf - 2].value.u16 = s->sport_lo;
		f[nf - 2].mask_range.u16 = s->sport_hi;
		f[nf - 1].value.u16 = s->dport_lo;
		f[nf - 1].mask_range.u16 = s->dport_hi;
		rc = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&u, 1);
		if (rc != 0) {
			snprintf(err, el, "policy %s: rte_acl_add_rules: %d", p[i].name, rc);
			rte_acl_free(ctx);
			return NULL;
		}
		added++;
	}
	if (added == 0) {
		rte_acl_free(ctx);
		return NULL;	/* no rules of this family: nothing matches */
	}
	cfg.num_categories = 1;
	cfg.num_fields = nf;
	if (family == AF_INET)
		defs4(cfg.defs);
	else
		defs6(cfg.defs);
	rc = rte_acl_build(ctx, &cfg);
	if (rc != 0) {
		snprintf(err, el, "rte_acl_build: %d", rc);
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

struct dp_spd *
dp_spd_build(const struct policy_desc *p, struct dp_sa *const *sa, unsigned n,
	     char *err, size_t el)
{
	struct dp_spd *s = calloc(1, sizeof(*s) + n * sizeof(s->e[0]));

	if (s == NULL) {
		snprintf(err, el, "out of memory");
		return NULL;
	}
	s->n = n;
	for (unsigned i = 0; i < n; i++) {
		s->e[i].action = p[i].action;
		s->e[i].sa = sa[i];
	}
	err[0] = '\0';
	s->acl4 = build_ctx(AF_INET, p, n, err, el);
	if (s->acl4 == NULL && err[0] != '\0')
		goto fail;
	s->acl6 = build_ctx(AF_INET6, p, n, err, el);
	if (s->acl6 == NULL && err[0] != '\0')
		goto fail;
	return s;
fail:
	dp_spd_free(s);
	return NULL;
}

void
dp_spd_free(struct dp_spd *s)
{
	if (s == NULL)
		return;
	rte_acl_free(s->acl4);
	rte_acl_free(s->acl6);
	free(s);
}
