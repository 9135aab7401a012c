# gatewayd — one non-recursive GNU Makefile.
# make            build build/gatewayd
# make check      installs missing Debian packages (root), then unit tests
#                 (no root), then integration tests (root, namespaces)
# make demo       installs missing Debian packages, narrated demo inside
#                 network namespaces (root)
# make deps       installs what deps/debian-packages lists and is missing
# make install    DESTDIR= PREFIX=/usr/local
# V=1 shows full command lines.

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
# QEMU's ifup/ifdown scripts; gatewayctl qemu-args names them there.
LIBEXECDIR ?= /usr/libexec/gatewayd
BUILD   ?= build

PKGS    := libmnl libnftnl libconfuse
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Empty (and quiet) before deps/install.sh has run: check and demo install
# first, then build in a sub-make that asks pkg-config again.
XCFLAGS := -std=gnu11 $(WARN) -I. -D_GNU_SOURCE -DGW_LIBEXECDIR='"$(LIBEXECDIR)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := lib/log.c lib/eloop.c lib/state.c lib/notify.c lib/nl.c lib/names.c \
	conf/addr.c conf/conf.c conf/text.c conf/network.c conf/section.c conf/print.c conf/mode.c conf/forward.c conf/forward_rt.c conf/host.c conf/guest_opts.c conf/qemu.c \
	nft/plan.c nft/forward.c nft/forward_count.c nft/rules.c nft/filter.c nft/guard.c nft/binding.c nft/binding_expr.c nft/binding_fill.c nft/binding_claim.c nft/text.c nft/expr.c nft/msg.c nft/msg_set.c nft/batch.c nft/commit.c nft/inspect.c nft/monitor.c nft/feature.c nft/update.c \
	dhcp/dnsmasq_conf.c dhcp/hosts.c dhcp/upstream.c dhcp/supervisor.c dhcp/packet.c dhcp/leases.c ra/ra.c ra/packet.c ra/msg.c ra/router.c \
	gatewayd/host/rtnl.c gatewayd/host/sysctl.c gatewayd/host/hostcheck.c gatewayd/host/preflight.c \
	gatewayd/host/probe.c gatewayd/host/portcheck.c gatewayd/host/resolv.c gatewayd/host/rtnl_msg.c gatewayd/host/snapshot.c gatewayd/host/snapshot_cmp.c gatewayd/host/neigh.c \
	gatewayd/core/apply.c gatewayd/core/apply_diff.c gatewayd/core/ctx.c gatewayd/core/bridge.c gatewayd/core/serve.c gatewayd/core/teardown.c gatewayd/core/watch.c gatewayd/core/binding.c gatewayd/core/binding_wake.c gatewayd/core/binding_files.c gatewayd/core/binding6.c gatewayd/core/binding_match.c gatewayd/core/plan.c gatewayd/core/diff.c gatewayd/core/rtplan.c \
	gatewayd/ctl/control.c gatewayd/ctl/control_admit.c gatewayd/ctl/commands.c gatewayd/ctl/doctor.c gatewayd/ctl/out.c
# QEMU: the bridge helper's ACL, qemu-args and its static leases (issue 10)
LIB_SRCS += gatewayd/core/qemu_acl.c gatewayd/core/static_hosts.c gatewayd/ctl/qemu_args.c
# user taps, attached ports (issue 10)
LIB_SRCS += conf/tap.c gatewayd/host/tun.c gatewayd/core/taps.c gatewayd/core/taps_records.c gatewayd/core/taps_cmd.c gatewayd/core/guard.c gatewayd/ctl/ports.c
# BGP announcements through BIRD, pools for auto subnets (issue 11)
LIB_SRCS += conf/bgp.c gatewayd/host/bird.c gatewayd/core/bgp_frag.c gatewayd/core/bgp.c gatewayd/ctl/bgp_ctl.c
# guests keep their DHCP names (issue 16 item 15)
LIB_SRCS += dhcp/names.c gatewayd/core/names.c
# guest binding's DHCP records (issue 16 item 1)
LIB_SRCS += gatewayd/core/binding_dhcp.c
# guest binding recomputes only the networks whose inputs changed (issue 17)
LIB_SRCS += gatewayd/core/binding_dirty.c
# ports not known yet: untrusted guests in the kernel (issue 16)
LIB_SRCS += nft/untrusted.c
LIB_SRCS += nft/counters.c
LIB_SRCS += gatewayd/ctl/authz.c
# doc (issue 19 item 5): per-guest rows for status and doctor
LIB_SRCS += gatewayd/ctl/guests.c
# run-time port forwards (issue 19 item 4)
LIB_SRCS += gatewayd/core/forwards_rt.c gatewayd/ctl/forward_ctl.c
# owners of networks use gatewayctl on them (issue 19 item 3)
LIB_SRCS += conf/owner.c conf/listen.c
# connection quota (issue 19 item 2)
LIB_SRCS += conf/quota.c nft/quota.c nft/quota_read.c gatewayd/ctl/quota_ctl.c
# bandwidth limits (issue 19 item 1)
LIB_SRCS += conf/bandwidth.c lib/tc.c gatewayd/core/shaping.c gatewayd/ctl/bandwidth_ctl.c
GW_SRCS  := gatewayd/main.c
UNIT_SRCS := tests/unit/check_main.c tests/unit/test_conf.c tests/unit/test_conf_text.c tests/unit/test_nft.c \
	tests/unit/test_dnsmasq_conf.c tests/unit/test_sysctl.c tests/unit/test_hostcheck.c tests/unit/test_packets.c tests/unit/test_notify.c tests/unit/test_leases.c tests/unit/test_state.c \
	tests/unit/test_addr.c tests/unit/test_nl.c tests/unit/test_plan.c tests/unit/test_forward.c tests/unit/test_host.c \
	tests/unit/test_mode.c tests/unit/test_binding.c tests/unit/test_bind_rules.c
UNIT_SRCS += tests/unit/test_qemu.c
UNIT_SRCS += tests/unit/test_tap.c
UNIT_SRCS += tests/unit/test_bgp.c
UNIT_SRCS += tests/unit/test_untrusted.c
UNIT_SRCS += tests/unit/test_ra.c
UNIT_SRCS += tests/unit/test_snapshot.c
UNIT_SRCS += tests/unit/test_rtplan.c
UNIT_SRCS += tests/unit/test_binding_dirty.c
# doc (issue 19 item 5)
UNIT_SRCS += tests/unit/test_guests.c
UNIT_SRCS += tests/unit/test_authz.c
UNIT_SRCS += tests/unit/test_quota.c
UNIT_SRCS += tests/unit/test_bandwidth.c

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
GW_OBJS   := $(GW_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

all: $(BUILD)/gatewayd $(BUILD)/gatewayctl $(BUILD)/gatewayd-test

# The test build: the bench hook GATEWAYD_TEST_OMIT (nft/plan.h) is
# compiled in only here (-DGW_TEST_HOOKS), for bench/ruleset.sh's
# per-part figures, t_test_omit.sh and the unit tests. build/gatewayd,
# the binary `make install` installs, ignores the variable.
TEST_HOOK_SRCS := nft/plan.c gatewayd/main.c
TEST_HOOK_OBJS := $(TEST_HOOK_SRCS:%.c=$(BUILD)/obj-test/%.o)

$(BUILD)/obj-test/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (test hooks)")
	$(Q)$(CC) $(XCFLAGS) -DGW_TEST_HOOKS $(CFLAGS) -MMD -MP -c -o $@ $<

# its objects first: the archive's production nft/plan.o is then not
# pulled in
$(BUILD)/gatewayd-test: $(TEST_HOOK_OBJS) $(BUILD)/libgw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libgw.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/gatewayd: $(GW_OBJS) $(BUILD)/libgw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/gatewayctl: $(BUILD)/obj/gatewayd/ctl/gatewayctl.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/obj-test/nft/plan.o $(BUILD)/libgw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(shell pkg-config --libs check)

# the run-time diff's CPU per host event, without the kernel (bench/rtdiff_cost.c)
$(BUILD)/rtdiff-cost: $(BUILD)/obj/bench/rtdiff_cost.o $(BUILD)/libgw.a
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

unit: $(BUILD)/unit-tests
	tests/layout.sh
	$(BUILD)/unit-tests

integ: $(BUILD)/gatewayd $(BUILD)/gatewayctl $(BUILD)/gatewayd-test
	tests/integ/run-all.sh

# The Debian packages: one list, deps/debian-packages. deps/install.sh is
# quick and silent when all are there; as non-root it names what is missing.
# check and demo install first, then build in a sub-make (which sees the
# freshly installed pkg-config and libraries).
deps:
	deps/install.sh

# Unit tests first (no root needed), then the integration tests (root).
check:
	deps/install.sh
	$(MAKE) unit
	$(MAKE) integ

demo:
	deps/install.sh
	$(MAKE) $(BUILD)/gatewayd $(BUILD)/gatewayctl
	demo/demo.sh

install: $(BUILD)/gatewayd $(BUILD)/gatewayctl
	install -D -m 0755 $(BUILD)/gatewayd $(DESTDIR)$(SBINDIR)/gatewayd
	install -D -m 0755 $(BUILD)/gatewayctl $(DESTDIR)$(SBINDIR)/gatewayctl
	install -D -m 0755 scripts/qemu-ifup $(DESTDIR)$(LIBEXECDIR)/qemu-ifup
	install -D -m 0755 scripts/qemu-ifdown $(DESTDIR)$(LIBEXECDIR)/qemu-ifdown
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' system/gatewayd.service.in >$(DESTDIR)$(UNITDIR)/gatewayd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gatewayd.service
	install -D -m 0644 conf/gatewayd.conf.example $(DESTDIR)$(SYSCONFDIR)/gatewayd/gatewayd.conf.example
	install -D -m 0644 man/gatewayd.8 $(DESTDIR)$(MANDIR)/man8/gatewayd.8
	install -D -m 0644 man/gatewayctl.8 $(DESTDIR)$(MANDIR)/man8/gatewayctl.8
	install -D -m 0644 man/gatewayd.conf.5 $(DESTDIR)$(MANDIR)/man5/gatewayd.conf.5

# Fuzz the config parser with libFuzzer (clang), ASan and UBSan.
FUZZ_SECONDS ?= 60
$(BUILD)/conf-fuzz: fuzz/conf_fuzz.c conf/conf.c conf/tap.c conf/section.c conf/text.c conf/network.c conf/print.c conf/addr.c conf/mode.c conf/forward.c conf/forward_rt.c conf/host.c conf/guest_opts.c conf/qemu.c conf/bgp.c conf/owner.c conf/listen.c conf/quota.c conf/bandwidth.c lib/names.c
	@mkdir -p $(BUILD)
	clang -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-o $@ $^ $(shell pkg-config --cflags --libs libconfuse)

fuzz:
	deps/install.sh fuzz
	$(MAKE) $(BUILD)/conf-fuzz
	mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/conf-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(BUILD)/fuzz-corpus fuzz/corpus

# Benchmarks (namespaces only): per-packet cost with many networks, start
# and stop time. They report ratios; they are not tests.
bench: $(BUILD)/gatewayd $(BUILD)/gatewayctl $(BUILD)/gatewayd-test
	deps/install.sh bench
	BUILD=$(BUILD) bench/run.sh

format-check:
	deps/install.sh format
	clang-format --dry-run --Werror $(wildcard */*.c */*.h */*/*.c */*/*.h)

clean:
	rm -rf $(BUILD)

.PHONY: all deps unit integ check demo install fuzz bench format-check clean
-include $(LIB_OBJS:.o=.d) $(GW_OBJS:.o=.d) $(TEST_HOOK_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/obj/gatewayd/ctl/gatewayctl.d
