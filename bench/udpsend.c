/* udpsend IP PORT N: N 64-byte UDP datagrams to IP:PORT as fast as it can;
 * prints "sent cpu_ns wall_ns", cpu_ns being this process's user + system
 * time: the kernel forwards each packet -- bridge, ruleset, routing, the
 * far veth -- in the sender's softirqs, charged to the sender, so cpu_ns
 * / N is what a packet costs (bench/perrule.sh). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static long long tv_ns(struct timeval t)
{
	return t.tv_sec * 1000000000LL + t.tv_usec * 1000LL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct rusage a, b;
	struct timespec t0, t1;
	char buf[64] = { 0 };
	long n, sent = 0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: udpsend IP PORT N\n");
		return 2;
	}
	if (strchr(argv[1], ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET6, argv[1], &s->sin6_addr) != 1)
			return 2;
		sl = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET, argv[1], &s->sin_addr) != 1)
			return 2;
		sl = sizeof(*s);
	}
	n = atol(argv[3]);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("udpsend");
		return 1;
	}
	getrusage(RUSAGE_SELF, &a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		if (send(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf))
			sent++;
	getrusage(RUSAGE_SELF, &b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %lld %lld\n", sent,
	       tv_ns(b.ru_utime) - tv_ns(a.ru_utime) + tv_ns(b.ru_stime) - tv_ns(a.ru_stime),
	       (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec);
	return 0;
}
