/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ft_output.h"
#include "ft_tally.h"

int
ft_diag_tally_init(struct ft_diag_tally *dt)
{
	unsigned int i;

	memset(dt, 0, sizeof(*dt));
	for (i = 0; i < ft_diag_nstates; i++) {
		dt->t[i].v = calloc(FT_TALLY_SIZE, sizeof(*dt->t[i].v));
		dt->t[i].mask = FT_TALLY_SIZE - 1;
		if (dt->t[i].v == NULL) {
			ft_diag_tally_free(dt);
			return -ENOMEM;
		}
	}
	return 0;
}

void
ft_diag_tally_free(struct ft_diag_tally *dt)
{
	unsigned int i;

	for (i = 0; i < FT_TCP_STATE_MAX; i++) {
		free(dt->t[i].v);
		dt->t[i].v = NULL;
	}
}

static uint32_t
ep_hash(const struct ft_endpoint *ep, unsigned int role, uint32_t ctx)
{
	uint32_t h = 2166136261u;
	unsigned int i;

	for (i = 0; i < 16; i++)
		h = (h ^ ep->addr[i]) * 16777619u;
	h = (h ^ ep->port) * 16777619u;
	h = (h ^ ctx) * 16777619u;
	return (h ^ role) * 16777619u;
}

static inline int
ent_is(const struct ft_tally_ent *e, const struct ft_endpoint *ep, unsigned int role, uint32_t ctx)
{
	return e->role == role && e->ctx == ctx && memcmp(&e->ep, ep, sizeof(*ep)) == 0;
}

/*
 * Count one endpoint; clients by address, servers by address and port, each
 * within its tenant context; or (by_ctx) the whole context.
 */
static void
tally_add(struct ft_tally *t, const struct ft_endpoint *ep0, unsigned int role, uint32_t ctx,
		int by_ctx)
{
	struct ft_endpoint ep = *ep0;
	uint32_t i;

	if (by_ctx)
		memset(&ep, 0, sizeof(ep));
	else if (role == FT_ROLE_CLIENT)
		ep.port = 0;
	if (t->used * 2 > t->mask) /* Full enough: count no new endpoints. */
		goto existing_only;
	for (i = ep_hash(&ep, role, ctx) & t->mask;; i = (i + 1) & t->mask) {
		struct ft_tally_ent *e = &t->v[i];

		if (!e->used) {
			e->used = 1;
			e->ep = ep;
			e->ctx = ctx;
			e->by_ctx = (uint8_t)(by_ctx != 0);
			e->role = (uint8_t)role;
			e->n = 1;
			t->used++;
			return;
		}
		if (ent_is(e, &ep, role, ctx)) {
			e->n++;
			return;
		}
	}
existing_only:
	for (i = ep_hash(&ep, role, ctx) & t->mask; t->v[i].used; i = (i + 1) & t->mask)
		if (ent_is(&t->v[i], &ep, role, ctx)) {
			t->v[i].n++;
			return;
		}
}

void
ft_tally_readers(struct ft_engine *const *e, unsigned int n, unsigned int reader, int online)
{
	unsigned int w;

	for (w = 0; w < n; w++) {
		struct ft_flow_table *t = ft_engine_table(e[w]);

		if (online)
			ft_flow_table_reader_online(t, reader);
		else
			ft_flow_table_reader_offline(t, reader);
	}
}

int
ft_tally_in_pile(const struct ft_flow_info *fi, unsigned int r, uint64_t min_age_ns)
{
	/* Of a flow seen one way only, the states are partly inferred: no evidence of a pile. */
	if (fi->one_sided != FT_ONE_SIDED_NO)
		return 0;
	return ft_output_diag_measure(fi->state[r]) != FT_DIAG_PILE ||
			fi->in_state_ns[r] >= min_age_ns;
}

void
ft_tally_walk(struct ft_engine *const *e, unsigned int n, unsigned int reader,
		void (*fn)(void *arg, const struct ft_flow_info *fi), void *arg)
{
	unsigned int w, k;

	ft_tally_readers(e, n, reader, 1);
	for (w = 0; w < n; w++) {
		uint32_t id, cap = ft_engine_capacity(e[w]);
		struct ft_flow_info fi;

		for (id = 0; id < cap; id++) {
			/* Nothing is held from one slot to the next: let the workers free slots. */
			if ((id & 255) == 255)
				for (k = 0; k < n; k++)
					ft_flow_table_reader_quiescent(ft_engine_table(e[k]),
							reader);
			if (ft_engine_flow_info(e[w], id, &fi) == 0)
				fn(arg, &fi);
		}
	}
	ft_tally_readers(e, n, reader, 0);
}

struct diag_walk {
	struct ft_diag_tally *dt;
	uint64_t min_age_ns;
	int by_ctx;
};

static void
diag_flow(void *arg, const struct ft_flow_info *fi)
{
	struct diag_walk *dw = arg;
	unsigned int r, i;

	for (r = 0; r < 2; r++)
		for (i = 0; i < ft_diag_nstates; i++)
			if (fi->state[r] == ft_diag_states[i] &&
					ft_tally_in_pile(fi, r, dw->min_age_ns)) {
				dw->dt->pile[i][r]++;
				tally_add(&dw->dt->t[i], r ? &fi->server : &fi->client, r, fi->ctx,
						dw->by_ctx);
			}
}

void
ft_diag_tally_walk(struct ft_diag_tally *dt, struct ft_engine *const *e, unsigned int n,
		unsigned int reader, uint64_t min_age_ns, int by_ctx)
{
	struct diag_walk dw = { .dt = dt, .min_age_ns = min_age_ns, .by_ctx = by_ctx };

	ft_tally_walk(e, n, reader, diag_flow, &dw);
}

const struct ft_tally_ent *
ft_tally_pop_top(struct ft_tally *t, uint64_t *n)
{
	struct ft_tally_ent *best = NULL;
	uint32_t i;

	for (i = 0; i <= t->mask; i++)
		if (t->v[i].used && t->v[i].n != 0 && (best == NULL || t->v[i].n > best->n))
			best = &t->v[i];
	if (best == NULL)
		return NULL;
	*n = best->n;
	best->n = 0;
	return best;
}

void
ft_tally_host_str(const struct ft_tally_ent *ent, char *buf, size_t len)
{
	char *colon;
	size_t l;

	if (ent->by_ctx) {
		snprintf(buf, len, "ctx=%u", ent->ctx);
		return;
	}
	ft_endpoint_str(&ent->ep, buf, len);
	if (ent->role == FT_ROLE_CLIENT && (colon = strrchr(buf, ':')) != NULL)
		*colon = '\0';
	/* An IPv6 client is "[addr]": keep the brackets off a bare address. */
	if (ent->role == FT_ROLE_CLIENT && buf[0] == '[') {
		l = strlen(buf);
		memmove(buf, buf + 1, l);
		if (l >= 2 && buf[l - 2] == ']')
			buf[l - 2] = '\0';
	}
	l = strlen(buf);
	if (ent->ctx != 0 && l < len)
		snprintf(buf + l, len - l, " ctx=%u", ent->ctx);
}
