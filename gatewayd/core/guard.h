/* The run-time uplink guard, in one place. A port on a guest bridge that
 * is not a guest port (someone ran `ip link set eth0 master gw0`, a VXLAN,
 * a veth patching in another bridge) stops DHCP and router advertisements
 * on that network at once, loudly, and withdraws it from BGP, until the
 * port leaves; then they resume by themselves (guard_trip(),
 * guard_resume()). A tap that took a guest's MAC is taken off its bridge
 * (guard_tap_mac()). What decides is pure: hostcheck.c says which ports
 * are guest ports, rtplan.c which networks trip or resume; the watch
 * (watch.c) calls these first in each batch of host events. The kernel's
 * backstop for the time in between is nft/guard.c. */
#ifndef GW_CORE_GUARD_H
#define GW_CORE_GUARD_H

#include <stdbool.h>
#include <stddef.h>

struct gw_ctx;
struct host_facts;
struct host_change;

/* Network i: port (of kind, "physical" for a NIC) is not a guest port:
 * DHCP and RA stop. Logged once per trip. */
void guard_trip(struct gw_ctx *ctx, size_t i, const char *port, const char *kind);
/* Still tripped, now by another port: only the name shown changes. */
void guard_switch(struct gw_ctx *ctx, size_t i, const char *port);
/* The last such port left: DHCP and RA resume. */
void guard_resume(struct gw_ctx *ctx, size_t i);

/* The trips, switches and resumes the run-time diff says, first thing
 * in a batch; true if a network tripped or resumed (then BGP is told:
 * a tripped network is withdrawn). */
struct rt_diff;
bool guard_apply(struct gw_ctx *ctx, const struct rt_diff *d);

/* Every tap on one of our bridges, whoever plugged it in (ours, QEMU's
 * bridge helper, libvirt): one whose MAC changed while it was plugged in
 * is taken off the bridge and kept off until it is closed; one that came
 * with the MAC of a guest on another port gets a fresh MAC. ch NULL or
 * ch->all: every link is looked at; else only the links ch names. */
void guard_tap_mac(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch);
/* taps_plug() asks: a tap taken off and not closed yet stays off. */
bool guard_tap_tripped(const struct gw_ctx *ctx, int ifindex);

#endif
