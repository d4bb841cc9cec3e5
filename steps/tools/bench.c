/*
 * bench — time how long a command takes from start to exit, many times.
 *
 *   build/bench [-n RUNS] [-w WARMUP] LABEL CMD [ARG...]
 *
 * Each run is a plain fork + execvp + waitpid, timed with CLOCK_MONOTONIC,
 * with the command's output sent to /dev/null. Prints one line:
 *
 *   LABEL  median_ms  p10_ms  p90_ms  runs
 *
 * A median over many runs, because a 2-core machine is noisy: one slow run
 * says little, the middle of a hundred says a lot. Exits 1 if any run of the
 * command failed, so a broken step cannot pass for a fast one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One run: returns its duration in ms, or -1 if the command failed. */
static double run_once(char **cmd)
{
	double start = now_ms();
	int status;
	pid_t pid = fork();

	if (pid == -1) {
		perror("bench: fork");
		exit(1);
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			perror("bench: waitpid");
			exit(1);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_ms() - start;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = 100, warmup = 5, opt;
	double *times;

	while ((opt = getopt(argc, argv, "+n:w:")) != -1) {
		if (opt == 'n')
			runs = atoi(optarg);
		else if (opt == 'w')
			warmup = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind < 2 || runs < 1 || warmup < 0)
		goto usage;

	times = calloc(runs, sizeof(*times));
	if (times == NULL)
		return perror("bench: calloc"), 1;
	for (int i = 0; i < warmup; i++)
		run_once(&argv[optind + 1]);
	for (int i = 0; i < runs; i++) {
		times[i] = run_once(&argv[optind + 1]);
		if (times[i] < 0) {
			fprintf(stderr, "bench: %s: run %d failed: %s\n", argv[optind], i + 1,
				argv[optind + 1]);
			return 1;
		}
	}
	qsort(times, runs, sizeof(*times), compare);
	printf("%s %.3f %.3f %.3f %d\n", argv[optind], times[runs / 2], times[runs / 10],
	       times[runs * 9 / 10], runs);
	free(times);
	return 0;

usage:
	fprintf(stderr, "usage: bench [-n RUNS] [-w WARMUP] LABEL CMD [ARG...]\n");
	return 2;
}
