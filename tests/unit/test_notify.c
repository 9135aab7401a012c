/* The notify protocol: what a service manager listening on NOTIFY_SOCKET
 * receives. */
#include "suites.h"
#include "lib/notify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_at(struct sockaddr_un *sun, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sun, len), 0);
	return fd;
}

START_TEST(test_path_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[256];
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/gwnotify.%d", (int)getpid());
	unlink(sun.sun_path);
	fd = listen_at(&sun, sizeof(sun));
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	ck_assert_int_eq(notify_send("READY=1\nSTATUS=running %d network", 1), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1\nSTATUS=running 1 network");
	close(fd);
	unlink(sun.sun_path);
}
END_TEST

START_TEST(test_abstract_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char name[64], buf[64];
	socklen_t len;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "@gwnotify-%d", (int)getpid());
	memcpy(sun.sun_path, name, strlen(name));
	sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	fd = listen_at(&sun, len);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_send("STOPPING=1"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(test_no_socket)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative", 1);
	ck_assert_int_lt(notify_send("READY=1"), 0);
}
END_TEST

Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("sd_notify");

	tcase_add_test(tc, test_path_socket);
	tcase_add_test(tc, test_abstract_socket);
	tcase_add_test(tc, test_no_socket);
	suite_add_tcase(s, tc);
	return s;
}
