/*
 * throughput — how fast bytes go through a TCP connection.
 *
 *   build/throughput ADDRESS PORT MEGABYTES
 *
 * Connects, sends MEGABYTES MiB of zeros in 64 KiB writes, shuts its side
 * down for writing (the server reads end of file), reads the server's
 * answer until it closes, and prints one line:
 *
 *   MiB  seconds  MiB/s
 *
 * make bench runs it against a container that counts what it receives,
 * once through a port published with -p (the shim's relay) and once
 * straight to the container's address, to compare the two.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buffer[1 << 16];
	struct sockaddr_in addr = { .sin_family = AF_INET };
	long long megabytes, left;
	double start, seconds;
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
	    atoi(argv[2]) < 1 || atoi(argv[2]) > 65535 || (megabytes = atoll(argv[3])) < 1) {
		fprintf(stderr, "usage: throughput ADDRESS PORT MEGABYTES\n");
		return 2;
	}
	addr.sin_port = htons(atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
		fprintf(stderr, "throughput: connect to %s:%s: %m\n", argv[1], argv[2]);
		return 1;
	}
	start = now_s();
	for (left = megabytes << 20; left > 0;) {
		size_t size = left < (long long)sizeof(buffer) ? (size_t)left : sizeof(buffer);
		ssize_t n = write(fd, buffer, size);

		if (n <= 0) {
			fprintf(stderr, "throughput: write: %m\n");
			return 1;
		}
		left -= n;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buffer, sizeof(buffer)) > 0)
		;
	seconds = now_s() - start;
	printf("%lld %.3f %.1f\n", megabytes, seconds, megabytes / seconds);
	return 0;
}
