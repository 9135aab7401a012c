/* nft syntax for a plan: what `gatewayd -n -v` shows and what a person
 * compares with `nft list table inet gatewayd`. Pure. */
#include "plan.h"
#include "binding.h"
#include "untrusted.h"
#include "quota.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <stdbool.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>

struct strbuf {
	char *p;
	size_t len, off;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->off >= sb->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->off, sb->len - sb->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->off += (size_t)n;
}

static const char *l4name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return "?";
}

static void match_format(struct strbuf *sb, const struct nft_match *m)
{
	const char *ne = m->neq ? "!= " : "";
	char a[INET6_ADDRSTRLEN + 8];

	switch (m->kind) {
	case NM_IIFNAME:
	case NM_OIFNAME:
	case NM_IBRNAME:
	case NM_OBRNAME:
	case NM_OIFKIND:
		sb_add(sb, "%s %s\"%s\"", nft_ifname_keys[m->kind].text, ne, m->u.ifname);
		break;
	case NM_IIFSET: sb_add(sb, "iifname %s@%s", ne, m->u.set); break;
	case NM_ETHER_SADDR:
		sb_add(sb, "ether saddr %s%02x:%02x:%02x:%02x:%02x:%02x", ne, m->u.mac[0],
		       m->u.mac[1], m->u.mac[2], m->u.mac[3], m->u.mac[4], m->u.mac[5]);
		break;
	case NM_NFPROTO:
		sb_add(sb, "meta nfproto %s%s", ne, m->u.proto == NFPROTO_IPV4 ? "ipv4" : "ipv6");
		break;
	case NM_SADDR4:
	case NM_DADDR4:
		if (m->u.p4.plen == 32)
			inet_ntop(AF_INET, &m->u.p4.addr, a, sizeof(a));
		else
			addr_format_net4(m->u.p4.addr, m->u.p4.plen, a, sizeof(a));
		sb_add(sb, "ip %s %s%s", m->kind == NM_SADDR4 ? "saddr" : "daddr", ne, a);
		break;
	case NM_SADDR6:
	case NM_DADDR6:
		if (m->u.p6.plen == 128)
			inet_ntop(AF_INET6, &m->u.p6.addr, a, sizeof(a));
		else
			addr_format_net6(&m->u.p6.addr, m->u.p6.plen, a, sizeof(a));
		sb_add(sb, "ip6 %s %s%s", m->kind == NM_SADDR6 ? "saddr" : "daddr", ne, a);
		break;
	case NM_L4PROTO: sb_add(sb, "meta l4proto %s%s", ne, l4name(m->u.proto)); break;
	case NM_DPORT:
	case NM_SPORT:
		sb_add(sb, "%s %s %s%u", l4name(m->u.l4.proto),
		       m->kind == NM_DPORT ? "dport" : "sport", ne, m->u.l4.port);
		break;
	case NM_ICMP6TYPE:
		if (m->u.proto == 134)
			sb_add(sb, "icmpv6 type %snd-router-advert", ne);
		else
			sb_add(sb, "icmpv6 type %s%u", ne, m->u.proto);
		break;
	case NM_FIBLOCAL: sb_add(sb, "fib daddr type %slocal", ne); break;
	case NM_CTSTATUS:
		sb_add(sb, "ct status %s%s", ne, m->u.ctmask == IPS_DST_NAT ? "dnat" : "?");
		break;
	case NM_LOOKUP:
		sb_add(sb, "%s %s@%s", nft_key_names[m->u.lk.key].expr, ne, m->u.lk.set);
		break;
	case NM_BIND: {
		char t[160];

		nft_bind_format(t, sizeof(t), m);
		sb_add(sb, "%s", t);
		break;
	}
	case NM_QUOTA: {
		char t[160];

		nft_quota_format(t, sizeof(t), m);
		sb_add(sb, "%s", t);
		break;
	}
	case NM_UNTRUSTED: {
		char t[160];

		nft_untrusted_format(t, sizeof(t), m);
		sb_add(sb, "%s", t);
		break;
	}
	case NM_CTSTATE: {
		static const struct {
			uint32_t bit;
			const char *name;
		} st[] = {
			{ NF_CT_STATE_INVALID_BIT, "invalid" },
			{ NF_CT_STATE_BIT(IP_CT_ESTABLISHED), "established" },
			{ NF_CT_STATE_BIT(IP_CT_RELATED), "related" },
			{ NF_CT_STATE_BIT(IP_CT_NEW), "new" },
		};
		const char *sep = "";

		sb_add(sb, "ct state %s", ne);
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			if (m->u.ctmask & st[i].bit) {
				sb_add(sb, "%s%s", sep, st[i].name);
				sep = ",";
			}
		break;
	}
	}
}

/* nft lists no "meta protocol ip|arp" before an update keyed by the
 * IPv4 or ARP fields: their payload implies it (bind_NET's record rules). */
static bool implied(const struct nft_rule_plan *r, size_t i)
{
	const struct nft_match *m = &r->m[i], *next = m + 1;

	return i + 1 < r->n_matches && m->kind == NM_BIND && next->kind == NM_BIND &&
	       ((m->u.lk.key == BT_ETHER_ARP && next->u.lk.key == BT_MISS_ARP) ||
		(m->u.lk.key == BT_ETHER_IP && next->u.lk.key == BT_MISS4));
}

void nft_rule_format(const struct nft_rule_plan *r, char *buf, size_t len)
{
	static const char *const verdict[] = {
		[NV_ACCEPT] = "accept",		[NV_DROP] = "drop", [NV_RETURN] = "return",
		[NV_MASQUERADE] = "masquerade", [NV_JUMP] = "jump",
	};
	struct strbuf sb = { buf, len, 0 };

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_matches; i++) {
		if (implied(r, i))
			continue;
		match_format(&sb, &r->m[i]);
		sb_add(&sb, " ");
	}
	if (r->counter[0])
		sb_add(&sb, "counter name \"%s\" ", r->counter);
	if (r->verdict == NV_VMAP && NFT_KEY_DNAT(r->vmap_key)) {
		/* a NAT map, not a verdict map (nft/forward.c) */
		sb_add(&sb, "dnat %s to %s map @%s", NFT_KEY_FWD6(r->vmap_key) ? "ip6" : "ip",
		       nft_key_names[r->vmap_key].expr, r->target);
		return;
	}
	if (r->verdict == NV_VMAP) {
		sb_add(&sb, "%s vmap @%s", nft_key_names[r->vmap_key].expr, r->target);
		return;
	}
	if (r->verdict == NV_SNAT) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(r->snat.family == NFPROTO_IPV4 ? AF_INET : AF_INET6, &r->snat.addr, a,
			  sizeof(a));
		sb_add(&sb, "snat %s to %s", r->snat.family == NFPROTO_IPV4 ? "ip" : "ip6", a);
		if (r->snat.port_min)
			sb_add(&sb, ":%u", r->snat.port_min);
		if (r->snat.port_max != r->snat.port_min)
			sb_add(&sb, "-%u", r->snat.port_max);
		return;
	}
	if (r->verdict == NV_CONTINUE) { /* no verdict: drop the last space */
		if (sb.off && sb.off < sb.len)
			buf[--sb.off] = '\0';
		return;
	}
	sb_add(&sb, "%s", verdict[r->verdict]);
	if (r->verdict == NV_JUMP)
		sb_add(&sb, " %s", r->target);
}

/* The prefix length of the range a..z (len bytes), as nft prints it, or
 * -1 when it is no prefix. */
static int range_plen(const uint8_t *a, const uint8_t *z, size_t len)
{
	int plen = 0;
	size_t i = 0;

	while (i < len && a[i] == z[i])
		i++, plen += 8;
	for (int bit = 7; i < len && bit >= 0; bit--, plen++)
		if ((a[i] ^ z[i]) & (1 << bit))
			break;
	for (int b = 0; b < (int)len * 8; b++) {
		bool host = b >= plen, za = a[b / 8] & (0x80 >> (b % 8)),
		     zz = z[b / 8] & (0x80 >> (b % 8));

		if (host && (za || !zz))
			return -1;
	}
	return plen;
}

/* Port forwards' keys (nft/forward.c): "[ADDR . ]PROTO . PORT",
 * "IFNAME" . SUBNET; their data "ADDR . PORT". */
static void fwd_key_format(char *buf, size_t len, enum nft_key k, const struct nft_elem *e)
{
	size_t alen = k == NK_FWD6_AT ? 16 : k == NK_FWD4_AT ? 4 : 0;
	int af = NFT_KEY_FWD6(k) ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN];
	struct strbuf sb = { buf, len, 0 };
	uint16_t port;

	buf[0] = '\0';
	if (k == NK_HAIRPIN4 || k == NK_HAIRPIN6) {
		alen = k == NK_HAIRPIN6 ? 16 : 4;
		inet_ntop(af, e->key.raw + IFNAMSIZ, a, sizeof(a));
		inet_ntop(af, e->key_end.raw + IFNAMSIZ, z, sizeof(z));
		if (range_plen(e->key.raw + IFNAMSIZ, e->key_end.raw + IFNAMSIZ, alen) >= 0)
			sb_add(&sb, "\"%.16s\" . %s/%d", (const char *)e->key.raw, a,
			       range_plen(e->key.raw + IFNAMSIZ, e->key_end.raw + IFNAMSIZ, alen));
		else
			sb_add(&sb, "\"%.16s\" . %s-%s", (const char *)e->key.raw, a, z);
		return;
	}
	if (!NFT_KEY_DNAT(k))
		return;
	if (alen) {
		inet_ntop(af, e->key.raw, a, sizeof(a));
		sb_add(&sb, "%s . ", a);
	}
	memcpy(&port, e->key.raw + alen + 4, 2);
	sb_add(&sb, "%s . %u", l4name(e->key.raw[alen]), ntohs(port));
}

static void fwd_data_format(char *buf, size_t len, enum nft_key k, const struct nft_elem *e)
{
	size_t alen = NFT_KEY_FWD6(k) ? 16 : 4;
	char a[INET6_ADDRSTRLEN];
	uint16_t port;

	inet_ntop(NFT_KEY_FWD6(k) ? AF_INET6 : AF_INET, e->data, a, sizeof(a));
	memcpy(&port, e->data + alen, 2);
	snprintf(buf, len, "%s . %u", a, ntohs(port));
}

/* A set or NAT map of port forwards. */
static void fwd_set_print(FILE *f, const struct nft_set_plan *s)
{
	char key[160], data[64];

	fprintf(f, "\t%s %s {\n\t\ttype %s%s%s\n", s->data ? "map" : "set", s->name,
		nft_key_names[s->key].type, s->data ? " : " : "",
		s->data ? (NFT_KEY_FWD6(s->key) ? "ipv6_addr . inet_service"
						: "ipv4_addr . inet_service")
			: "");
	if (s->interval)
		fprintf(f, "\t\tflags interval\n");
	if (s->counter)
		fprintf(f, "\t\tcounter\n");
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct nft_elem *e = &s->elems[i];

		fwd_key_format(key, sizeof(key), s->key, e);
		fprintf(f, "%s%s", i ? "\t\t\t     " : "\t\telements = { ", key);
		if (s->data) {
			fwd_data_format(data, sizeof(data), s->key, e);
			fprintf(f, " : %s", data);
		}
		if (e->comment[0])
			fprintf(f, " comment \"%s\"", e->comment);
		fprintf(f, "%s\n", i + 1 < s->n_elems ? "," : " }");
	}
	fprintf(f, "\t}\n\n");
}

/* A map element's key as nft prints it. */
static void key_format(char *buf, size_t len, enum nft_key k, const struct nft_elem *e)
{
	switch (k) {
	case NK_IIFNAME:
	case NK_OIFNAME:
	case NK_IBRNAME: snprintf(buf, len, "\"%s\"", e->key.ifname); break;
	case NK_ETHER_SADDR:
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", e->key.mac[0], e->key.mac[1],
			 e->key.mac[2], e->key.mac[3], e->key.mac[4], e->key.mac[5]);
		break;
	case NK_IP_DADDR: inet_ntop(AF_INET, &e->key.a4, buf, (socklen_t)len); break;
	case NK_IP6_DADDR: inet_ntop(AF_INET6, &e->key.a6, buf, (socklen_t)len); break;
	default: fwd_key_format(buf, len, k, e); break;
	}
}

static void map_print(FILE *f, const struct nft_set_plan *s)
{
	char key[64];

	if (nft_quota_set_print(f, s) || nft_untrusted_set_print(f, s) || nft_bind_set_print(f, s))
		return;
	if (!s->vmap && NFT_KEY_FWD(s->key)) {
		fwd_set_print(f, s);
		return;
	}
	if (!s->vmap) {
		fprintf(f, "\tset %s {\n\t\ttype ifname\n\t}\n\n", s->name);
		return;
	}
	fprintf(f, "\tmap %s {\n\t\ttype %s : verdict\n", s->name, nft_key_names[s->key].type);
	for (size_t i = 0; i < s->n_elems; i++) {
		key_format(key, sizeof(key), s->key, &s->elems[i]);
		fprintf(f, "%s%s : jump %s%s\n", i ? "\t\t\t     " : "\t\telements = { ", key,
			s->elems[i].chain, i + 1 < s->n_elems ? "," : " }");
	}
	fprintf(f, "\t}\n\n");
}

void nft_plan_print(FILE *f, const struct nft_plan *plan)
{
	static const char *const hook[] = {
		[NF_INET_PRE_ROUTING] = "prerouting", [NF_INET_POST_ROUTING] = "postrouting",
		[NF_INET_LOCAL_IN] = "input",	      [NF_INET_FORWARD] = "forward",
		[NF_INET_LOCAL_OUT] = "output",
	};
	char line[2048];

	for (int fi = 0; fi < NFT_FAMILIES; fi++) {
		uint8_t fam = nft_families[fi];
		bool first = true;

		fprintf(f, "%stable %s %s {\n", fi ? "\n" : "", nft_family_name(fam),
			NFT_TABLE_NAME);
		for (size_t i = 0; i < plan->n_counters; i++)
			if (plan->counters[i].family == fam)
				fprintf(f, "\tcounter %s {\n\t}\n\n", plan->counters[i].name);
		for (size_t i = 0; i < plan->n_sets; i++)
			if (plan->sets[i].family == fam)
				map_print(f, &plan->sets[i]);
		for (size_t c = 0; c < plan->n_chains; c++) {
			const struct nft_chain_desc *d = &plan->chains[c];

			if (d->family != fam || d->absent)
				continue;
			fprintf(f, "%s\tchain %s {\n", first ? "" : "\n", d->name);
			first = false;
			if (d->type)
				/* nft names inet's 0 "filter" and 100 "srcnat";
				 * in the bridge family 0 has no name, -200 is
				 * "filter". */
				fprintf(f, "\t\ttype %s hook %s priority %s; policy accept;\n",
					d->type, hook[d->hooknum],
					d->family == NFPROTO_BRIDGE
						? (d->prio == -200 ? "filter" : "0")
					: d->prio == 100 ? "srcnat"
					: d->prio == -100 && d->hooknum == NF_INET_PRE_ROUTING
						? "dstnat"
					: d->prio == -100 ? "-100"
							  : "filter");
			for (size_t i = 0; i < plan->n_rules; i++) {
				if (plan->rules[i].chain != c)
					continue;
				nft_rule_format(&plan->rules[i], line, sizeof(line));
				fprintf(f, "\t\t%s\n", line);
			}
			fprintf(f, "\t}\n");
		}
		fprintf(f, "}\n");
	}
}
