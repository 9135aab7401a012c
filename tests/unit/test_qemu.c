/* QEMU (issue 10): the global keys (conf/qemu.c), the bridge helper's ACL
 * (gatewayd/core/qemu_acl.c: its text, the include line in and out of
 * bridge.c byte for byte, in a temporary directory of ours: no root
 * needed, the directory check wants the directory to be the caller's),
 * qemu-args' lines and MACs (gatewayd/ctl/qemu_args.c), and the pure part
 * of run-time static hosts (conf/host.c). */
#include "suites.h"
#include "conf/conf.h"
#include "dhcp/hosts.h"
#include "gatewayd/core/qemu_acl.h"
#include "gatewayd/core/static_hosts.h"
#include "gatewayd/ctl/qemu_args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct gw_conf *load(const char *top, const char *nets)
{
	char buf[2048], err[512] = "";
	struct gw_conf *c;

	snprintf(buf, sizeof(buf), "%s\n%s", top, nets);
	ck_assert_msg(conf_load_buf("q.conf", buf, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

static void load_fails(const char *text, const char *want)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_int_eq(conf_load_buf("q.conf", text, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, want), "got \"%s\", want \"%s\"", err, want);
	ck_assert_ptr_null(c);
}

static const char two_nets[] = "network a { bridge = gw0 ipv4 = \"10.213.0.1/24\" }\n"
			       "network b { bridge = gw1 ipv4 = \"10.214.0.1/24\" }\n";

START_TEST(test_qemu_keys)
{
	struct gw_conf *c = load("", two_nets), *d;
	char *text = NULL, err[512] = "";
	size_t len = 0;
	FILE *f;

	ck_assert(!c->qemu.bridge_acl);
	ck_assert_str_eq(c->qemu.conf_dir, "/etc/qemu");
	conf_free(c);
	c = load("qemu_bridge_acl = true\nqemu_conf_dir = \"/srv/q\"", two_nets);
	ck_assert(c->qemu.bridge_acl);
	ck_assert_str_eq(c->qemu.conf_dir, "/srv/q");
	/* the printer's round trip */
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "qemu_bridge_acl = true\nqemu_conf_dir = \"/srv/q\"\n"), "%s",
		      text);
	ck_assert_msg(conf_load_buf("p.conf", text, &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(conf_qemu_equal(c, d));
	d->qemu.bridge_acl = false;
	ck_assert(!conf_qemu_equal(c, d));
	free(text);
	conf_free(c);
	conf_free(d);

	load_fails("qemu_conf_dir = \"etc/qemu\"\nnetwork a { bridge = gw0 }\n",
		   "q.conf:1: qemu_conf_dir \"etc/qemu\" must be an absolute path");
	load_fails("\nqemu_conf_dir = \"/etc/../qemu\"\nnetwork a { bridge = gw0 }\n",
		   "q.conf:2: qemu_conf_dir \"/etc/../qemu\" may not contain \"..\"");
	load_fails("qemu_conf_dir = \"/etc/qemu x\"\nnetwork a { bridge = gw0 }\n",
		   "q.conf:1: qemu_conf_dir \"/etc/qemu x\" may contain only");
	load_fails("qemu_conf_dir = \"/\"\nnetwork a { bridge = gw0 }\n",
		   "q.conf:1: qemu_conf_dir \"/\": name the directory");
	load_fails("qemu_bridge_acl = maybe\nnetwork a { bridge = gw0 }\n", "q.conf:1:");
	/* The helper once truncated bridge names of IFNAMSIZ and more (an
	 * ACL bypass): 15 characters at most, refused with the line. */
	load_fails("qemu_bridge_acl = true\nnetwork a {\n bridge = \"gw0123456789abcd\"\n}\n",
		   "q.conf:3: network \"a\": bridge \"gw0123456789abcd\" is not a valid "
		   "interface name (1-15");
	c = load("qemu_bridge_acl = true",
		 "network a { bridge = \"gw0123456789abc\" ipv4 = \"10.213.0.1/24\" }\n");
	conf_free(c);
}
END_TEST

START_TEST(test_qemu_acl_text)
{
	struct gw_conf *c = load("qemu_bridge_acl = true", two_nets);
	char *t = qemu_acl_text(c);

	ck_assert_str_eq(t, "# Written by gatewayd (qemu_bridge_acl in q.conf): QEMU's bridge "
			    "helper\n"
			    "# may plug guests into these bridges. Rewritten on reload; removed,\n"
			    "# with its include line in bridge.conf, when gatewayd stops.\n"
			    "allow gw0\n"
			    "allow gw1\n");
	free(t);
	/* a name that is not an interface name never reaches the file */
	strcpy(c->networks[1].bridge, "gw 1");
	ck_assert_ptr_null(qemu_acl_text(c));
	conf_free(c);
}
END_TEST

START_TEST(test_qemu_acl_lines)
{
	const char *inc = "include /etc/qemu/gatewayd.conf";
	char t[256];
	size_t n;

	strcpy(t, "allow br0\ninclude /etc/qemu/gatewayd.conf\n# x\n");
	ck_assert(qemu_acl_has_line(t, strlen(t), inc));
	n = qemu_acl_drop_line(t, strlen(t), inc);
	ck_assert_uint_eq(n, strlen("allow br0\n# x\n"));
	ck_assert(!memcmp(t, "allow br0\n# x\n", n));
	/* a line that only begins or ends like ours is not ours */
	strcpy(t, "include /etc/qemu/gatewayd.conf.bak\n #include /etc/qemu/gatewayd.conf\n");
	ck_assert(!qemu_acl_has_line(t, strlen(t), inc));
	ck_assert_uint_eq(qemu_acl_drop_line(t, strlen(t), inc), strlen(t));
	/* last, without a newline (added so to a file without one: the
	 * newline before it goes too); and twice */
	strcpy(t, "include /etc/qemu/gatewayd.conf\nallow br0\ninclude /etc/qemu/gatewayd.conf");
	n = qemu_acl_drop_line(t, strlen(t), inc);
	ck_assert_uint_eq(n, strlen("allow br0"));
	ck_assert(!memcmp(t, "allow br0", n));
	strcpy(t, "include /etc/qemu/gatewayd.conf");
	ck_assert_uint_eq(qemu_acl_drop_line(t, strlen(t), inc), 0);
	ck_assert_uint_eq(qemu_acl_drop_line(t, 0, inc), 0);
}
END_TEST

/* --- the files, in a directory of ours ----------------------------------- */

static char tmp[64], qdir[128], sdir[128];

static void dirs_setup(void)
{
	strcpy(tmp, "/tmp/gwqemu.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	chmod(tmp, 0755);
	snprintf(qdir, sizeof(qdir), "%s/qemu", tmp);
	snprintf(sdir, sizeof(sdir), "%s/state", tmp);
	ck_assert_int_eq(mkdir(qdir, 0755), 0);
	ck_assert_int_eq(mkdir(sdir, 0700), 0);
}

static void dirs_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *dir, const char *name)
{
	static char buf[4096];
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static struct gw_conf *acl_conf(bool on, const char *nets)
{
	char top[512];

	snprintf(top, sizeof(top),
		 "qemu_bridge_acl = %s\nqemu_conf_dir = \"%s\"\nstate_dir = \"%s\"",
		 on ? "true" : "false", qdir, sdir);
	return load(top, nets);
}

static const char admin[] = "# the administrator's\nallow br0\ndeny  br9 \n\n";

START_TEST(test_qemu_acl_files)
{
	struct gw_conf *c = acl_conf(true, two_nets), *one;
	char err[512] = "", inc[256], want[1024];

	snprintf(inc, sizeof(inc), "include %s/gatewayd.conf\n", qdir);
	put(qdir, "bridge.conf", admin);
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s%s", admin, inc);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), want);
	ck_assert_msg(strstr(slurp(qdir, "gatewayd.conf"), "\nallow gw0\nallow gw1\n"), "%s",
		      slurp(qdir, "gatewayd.conf"));
	/* again (a reload, a restart after a crash): rewritten, not doubled */
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), want);
	/* a network fewer */
	one = acl_conf(true, "network b { bridge = gw1 ipv4 = \"10.214.0.1/24\" }\n");
	ck_assert_msg(qemu_acl_sync(one, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(!strstr(slurp(qdir, "gatewayd.conf"), "gw0") &&
			      strstr(slurp(qdir, "gatewayd.conf"), "\nallow gw1\n"),
		      "%s", slurp(qdir, "gatewayd.conf"));
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), want);
	/* stop: both gone, the administrator's lines as they were */
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 1);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), admin);
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 0);
	conf_free(one);

	/* a last line without a newline: the same bytes again afterwards */
	put(qdir, "bridge.conf", "allow br0\n# no newline");
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "allow br0\n# no newline\n%.*s", (int)strlen(inc) - 1, inc);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), want);
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), want);
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 1);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), "allow br0\n# no newline");

	/* no bridge.conf: made 0644 with our line alone, and left empty */
	ck_assert_int_eq(unlink(strcat(strcat(strcpy(want, qdir), "/"), "bridge.conf")), 0);
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), inc);
	{
		struct stat st;

		ck_assert_int_eq(stat(want, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0644);
	}
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 1);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), "");
	conf_free(c);
}
END_TEST

START_TEST(test_qemu_acl_off)
{
	struct gw_conf *on = acl_conf(true, two_nets), *off = acl_conf(false, two_nets);
	char err[512] = "";

	/* off: QEMU's files are left alone */
	put(qdir, "bridge.conf", admin);
	ck_assert_int_eq(qemu_acl_sync(off, err, sizeof(err)), 0);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), admin);
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	/* on, then off by a reload: ours goes */
	ck_assert_msg(qemu_acl_sync(on, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(slurp(qdir, "gatewayd.conf"));
	ck_assert_int_eq(qemu_acl_sync(off, err, sizeof(err)), 0);
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), admin);
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	/* another directory by a reload: out of the old, into the new */
	ck_assert_msg(qemu_acl_sync(on, err, sizeof(err)) == 0, "%s", err);
	strcat(qdir, "2");
	ck_assert_int_eq(mkdir(qdir, 0755), 0);
	conf_free(off);
	off = acl_conf(true, two_nets);
	ck_assert_msg(qemu_acl_sync(off, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(slurp(qdir, "gatewayd.conf"));
	qdir[strlen(qdir) - 1] = '\0';
	ck_assert_str_eq(slurp(qdir, "bridge.conf"), admin);
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	conf_free(on);
	conf_free(off);
}
END_TEST

START_TEST(test_qemu_acl_refused)
{
	struct gw_conf *c = acl_conf(true, two_nets), *off;
	char err[512] = "", path[256], target[256], moved[256];

	/* an unsafe directory, like run_dir */
	chmod(qdir, 0775);
	ck_assert_int_eq(qemu_acl_sync(c, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "qemu_conf_dir") && strstr(err, "writable by its group"), "%s",
		      err);
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	chmod(qdir, 0755);
	/* a planted link as bridge.conf: not followed, its target untouched */
	snprintf(target, sizeof(target), "%s/target", tmp);
	put(tmp, "target", admin);
	snprintf(path, sizeof(path), "%s/bridge.conf", qdir);
	ck_assert_msg(symlink(target, path) == 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(qemu_acl_sync(c, err, sizeof(err)), -ELOOP);
	ck_assert_msg(strstr(err, "bridge.conf is a symbolic link"), "%s", err);
	ck_assert_str_eq(slurp(tmp, "target"), admin);
	/* refused: nothing of ours left, and no record that would refuse the
	 * next start (issue 16) */
	ck_assert_ptr_null(slurp(qdir, "gatewayd.conf"));
	ck_assert_ptr_null(slurp(sdir, "qemu-acl"));
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 0);
	ck_assert_int_eq(unlink(path), 0);
	/* ... as gatewayd.conf: replaced by our file, its target untouched */
	snprintf(path, sizeof(path), "%s/gatewayd.conf", qdir);
	unlink(path);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(slurp(tmp, "target"), admin);
	ck_assert_ptr_nonnull(strstr(slurp(qdir, "gatewayd.conf"), "allow gw0"));
	ck_assert_int_eq(qemu_acl_remove(sdir, err, sizeof(err)), 1);
	ck_assert_str_eq(slurp(tmp, "target"), admin);
	/* a record that cannot be acted on any more (bridge.conf became a
	 * link after a crash) does not refuse a start with the key off: said,
	 * and forgotten */
	ck_assert_msg(qemu_acl_sync(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(slurp(sdir, "qemu-acl"));
	snprintf(path, sizeof(path), "%s/bridge.conf", qdir);
	snprintf(moved, sizeof(moved), "%s/bridge.conf.moved", tmp);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	off = acl_conf(false, two_nets);
	ck_assert_msg(qemu_acl_sync(off, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(slurp(sdir, "qemu-acl"));
	ck_assert_str_eq(slurp(tmp, "target"), admin);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rename(moved, path), 0);
	conf_free(off);
	conf_free(c);
}
END_TEST

/* --- qemu-args ----------------------------------------------------------- */

START_TEST(test_qemu_mac)
{
	uint8_t a[6], b[6], c[6];

	qemu_mac_from_name("vm1", a);
	qemu_mac_from_name("vm1", b);
	qemu_mac_from_name("vm2", c);
	ck_assert(!memcmp(a, b, 6));
	/* alike names, unlike MACs: at least 3 of the 6 bytes differ */
	{
		int differ = 0;

		for (int i = 0; i < 6; i++)
			differ += a[i] != c[i];
		ck_assert_int_ge(differ, 3);
	}
	/* unicast, locally administered */
	ck_assert_uint_eq(a[0] & 3, 2);
	ck_assert_uint_eq(c[0] & 3, 2);
	/* the documented hash: FNV-1a 64, then fmix64 */
	{
		uint64_t h = 0xcbf29ce484222325ull;

		for (const char *p = "vm1"; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
		h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 33;
		ck_assert_uint_eq(a[0], ((h >> 56) & 0xfc) | 2);
		for (int i = 1; i < 6; i++)
			ck_assert_uint_eq(a[i], (h >> (56 - 8 * i)) & 0xff);
	}
}
END_TEST

START_TEST(test_qemu_args_forms)
{
	struct qemu_args a = { .net = "default",
			       .bridge = "gw0",
			       .libexec = "/usr/libexec/gatewayd",
			       .form = QEMU_FORM_HELPER };
	char buf[512];

	qemu_args_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-netdev bridge,id=gw-default,br=gw0 "
			      "-device virtio-net-pci,netdev=gw-default");
	a.has_mac = true;
	memcpy(a.mac, (uint8_t[]){ 0x02, 0x11, 0x22, 0xaa, 0xbb, 0xcc }, 6);
	qemu_args_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-netdev bridge,id=gw-default,br=gw0 "
			      "-device virtio-net-pci,netdev=gw-default,mac=02:11:22:aa:bb:cc");
	a.form = QEMU_FORM_SCRIPT;
	qemu_args_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-netdev tap,id=gw-default,script=/usr/libexec/gatewayd/qemu-ifup,"
			      "downscript=/usr/libexec/gatewayd/qemu-ifdown "
			      "-device virtio-net-pci,netdev=gw-default,mac=02:11:22:aa:bb:cc");
	a.form = QEMU_FORM_TAP;
	a.tap = "gwtap0";
	qemu_args_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-netdev tap,id=gw-default,ifname=gwtap0,script=no,downscript=no "
			      "-device virtio-net-pci,netdev=gw-default,mac=02:11:22:aa:bb:cc");
}
END_TEST

/* --- run-time static hosts: the address picked -------------------------- */

START_TEST(test_qemu_static_pick)
{
	struct gw_conf *c =
		load("", "network a { bridge = gw0 ipv4 = \"10.9.0.1/29\"\n"
			 "dhcp { range = \"10.9.0.2-10.9.0.4\" }\n"
			 "host h { mac = \"02:00:00:00:00:01\" ipv4 = \"10.9.0.5\" } }\n");
	struct gw_network *n = &c->networks[0];
	struct gw_host h = { .name = "vm1", .has_mac = true, .has_ipv4 = true, .runtime = true };
	struct in_addr got, taken[3];
	char why[200];

	/* .1 gateway, .2-.4 the range, .5 host h: .6 is the first free outside */
	ck_assert_int_eq(conf_host_pick4(n, NULL, 0, &got), 0);
	ck_assert_str_eq(inet_ntoa(got), "10.9.0.6");
	/* .6 leased to another guest: none outside, the first free inside */
	inet_aton("10.9.0.6", &taken[0]);
	inet_aton("10.9.0.2", &taken[1]);
	ck_assert_int_eq(conf_host_pick4(n, taken, 2, &got), 0);
	ck_assert_str_eq(inet_ntoa(got), "10.9.0.3");
	inet_aton("10.9.0.3", &taken[2]);
	h.ipv4 = got;
	ck_assert_ptr_null(conf_host_conflict(n, &h, why, sizeof(why)));
	ck_assert_int_eq(conf_host_append(n, &h), 0);
	inet_aton("10.9.0.4", &taken[2]);
	ck_assert_int_eq(conf_host_pick4(n, taken, 3, &got), -ENOSPC);
	/* the file's rules: name, MAC, address, subnet */
	strcpy(h.name, "H");
	ck_assert_ptr_nonnull(conf_host_conflict(n, &h, why, sizeof(why)));
	ck_assert_msg(strstr(why, "already host \"h\""), "%s", why);
	strcpy(h.name, "vm2");
	ck_assert_msg(conf_host_conflict(n, &h, why, sizeof(why)) &&
			      strstr(why, "already host \"vm1\"'s"),
		      "%s", why);
	h.mac[5] = 9;
	inet_aton("10.9.0.8", &h.ipv4);
	ck_assert_msg(conf_host_conflict(n, &h, why, sizeof(why)) &&
			      strstr(why, "not a guest's address in 10.9.0.0/29"),
		      "%s", why);
	inet_aton("10.9.0.7", &h.ipv4); /* the broadcast address */
	ck_assert_ptr_nonnull(conf_host_conflict(n, &h, why, sizeof(why)));
	inet_aton("10.9.0.6", &h.ipv4);
	ck_assert_ptr_null(conf_host_conflict(n, &h, why, sizeof(why)));
	conf_free(c);
}
END_TEST

/* The stored run-time hosts join the file's at plan time, read back with
 * the file's rules: a line that breaks one, or a host that no longer fits
 * its network, is left out. */
START_TEST(test_qemu_static_merge)
{
	char top[256], *text = NULL;
	size_t len = 0;
	struct gw_conf *c;
	struct gw_network *n;
	FILE *f;

	put(sdir, STATE_STATIC_HOSTS,
	    "default vm1 02:11:22:33:44:55 10.213.0.2\n"       /* kept */
	    "default vm2 02:11:22:33:44:5g 10.213.0.3\n"       /* bad MAC */
	    "default -vm3 02:11:22:33:44:57 10.213.0.4\n"      /* bad name */
	    "default vm4 02:11:22:33:44:58 10.214.0.4\n"       /* another subnet */
	    "default web 02:11:22:33:44:59 10.213.0.6\n"       /* the file's name */
	    "default vm6 02:11:22:33:44:5a 10.213.0.10\n"      /* the file's address */
	    "gone vm7 02:11:22:33:44:5b 10.213.0.7\n"	       /* no such network */
	    "default vm8 02:11:22:33:44:5c 10.213.0.8 extra\n" /* a field too many */
	    "default vm9 02:11:22:33:44:5d 10.213.0.9\n");     /* kept */
	snprintf(top, sizeof(top), "state_dir = \"%s\"", sdir);
	c = load(top, "network default { bridge = gw0 ipv4 = \"10.213.0.1/24\"\n"
		      "host web { mac = \"52:54:00:00:00:10\" ipv4 = \"10.213.0.10\" } }\n");
	static_hosts_merge(c);
	n = &c->networks[0];
	ck_assert_uint_eq(n->hosts.n, 3);
	ck_assert(!n->hosts.v[0].runtime);
	ck_assert_str_eq(n->hosts.v[1].name, "vm1");
	ck_assert(n->hosts.v[1].runtime && n->hosts.v[1].has_mac && n->hosts.v[1].has_ipv4);
	ck_assert_str_eq(n->hosts.v[2].name, "vm9");
	/* dnsmasq gets them with the file's; the printed config has only the file's */
	f = open_memstream(&text, &len);
	hosts_dhcp_write(f, n);
	fclose(f);
	ck_assert_msg(strstr(text, "\n02:11:22:33:44:55,10.213.0.2,vm1\n") &&
			      strstr(text, "\n02:11:22:33:44:5d,10.213.0.9,vm9\n"),
		      "%s", text);
	free(text);
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "host web") && !strstr(text, "vm1"), "%s", text);
	free(text);
	conf_free(c);
}
END_TEST

Suite *qemu_suite(void)
{
	Suite *s = suite_create("qemu");
	TCase *tc = tcase_create("qemu");
	TCase *files = tcase_create("qemu_acl_files");

	tcase_add_test(tc, test_qemu_keys);
	tcase_add_test(tc, test_qemu_acl_text);
	tcase_add_test(tc, test_qemu_acl_lines);
	tcase_add_test(tc, test_qemu_mac);
	tcase_add_test(tc, test_qemu_args_forms);
	tcase_add_test(tc, test_qemu_static_pick);
	tcase_add_checked_fixture(files, dirs_setup, dirs_teardown);
	tcase_add_test(files, test_qemu_acl_files);
	tcase_add_test(files, test_qemu_acl_off);
	tcase_add_test(files, test_qemu_acl_refused);
	tcase_add_test(files, test_qemu_static_merge);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, files);
	return s;
}
