/*
 * timeit — time how long a command takes from start to exit, many times.
 *
 *   build/timeit [-n RUNS] [-w WARMUP] LABEL CMD [ARG...]
 *   build/timeit [-n RUNS] [-w WARMUP] -p PLAN
 *
 * With -p, PLAN is a file of lines "LABEL CMD [ARG...]" (words split on
 * blanks, '#' starts a comment), and the commands run round by round —
 * A B C, A B C, ... — so that whatever the machine does meanwhile (another
 * job, the CPU's clock) hits them all alike. A command that fails is
 * reported as "LABEL failed" and left out of the later rounds.
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
#include <stdbool.h>
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
		perror("timeit: fork");
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
			perror("timeit: waitpid");
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

/* ---- -p: a plan, round by round ------------------------------------------- */

#define MAX_COMMANDS 64
#define MAX_WORDS 32

struct command {
	char *label;
	char *argv[MAX_WORDS + 1];
	double *times;
	bool failed;
};

static int read_plan(const char *path, struct command *cmds, int runs)
{
	static char lines[MAX_COMMANDS][1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return perror(path), -1;
	while (n < MAX_COMMANDS && fgets(lines[n], sizeof(lines[n]), f)) {
		char *line = lines[n], *word, *save = NULL;
		int words = 0;

		line[strcspn(line, "#\n")] = '\0';
		for (word = strtok_r(line, " \t", &save); word && words <= MAX_WORDS;
		     word = strtok_r(NULL, " \t", &save)) {
			if (words == 0)
				cmds[n].label = word;
			else
				cmds[n].argv[words - 1] = word;
			words++;
		}
		if (words < 2)
			continue;
		cmds[n].argv[words - 1] = NULL;
		cmds[n].times = calloc(runs, sizeof(double));
		cmds[n].failed = false;
		if (cmds[n].times == NULL)
			return perror("calloc"), -1;
		n++;
	}
	fclose(f);
	return n;
}

static int run_plan(const char *path, int runs, int warmup)
{
	static struct command cmds[MAX_COMMANDS];
	int n = read_plan(path, cmds, runs), status = 0;

	if (n <= 0)
		return 2;
	for (int w = 0; w < warmup; w++)
		for (int c = 0; c < n; c++)
			run_once(cmds[c].argv);
	for (int r = 0; r < runs; r++)
		for (int c = 0; c < n; c++) {
			if (cmds[c].failed)
				continue;
			cmds[c].times[r] = run_once(cmds[c].argv);
			if (cmds[c].times[r] < 0) {
				fprintf(stderr, "timeit: %s: run %d failed: %s\n", cmds[c].label, r + 1,
					cmds[c].argv[0]);
				cmds[c].failed = true;
				status = 1;
			}
		}
	for (int c = 0; c < n; c++) {
		if (cmds[c].failed) {
			printf("%s failed\n", cmds[c].label);
			continue;
		}
		qsort(cmds[c].times, runs, sizeof(double), compare);
		printf("%s %.3f %.3f %.3f %d\n", cmds[c].label, cmds[c].times[runs / 2],
		       cmds[c].times[runs / 10], cmds[c].times[runs * 9 / 10], runs);
	}
	return status;
}

int main(int argc, char **argv)
{
	int runs = 100, warmup = 5, opt;
	const char *plan = NULL;
	double *times;

	while ((opt = getopt(argc, argv, "+n:w:p:")) != -1) {
		if (opt == 'n')
			runs = atoi(optarg);
		else if (opt == 'w')
			warmup = atoi(optarg);
		else if (opt == 'p')
			plan = optarg;
		else
			goto usage;
	}
	if (runs < 1 || warmup < 0)
		goto usage;
	if (plan)
		return run_plan(plan, runs, warmup);
	if (argc - optind < 2)
		goto usage;

	times = calloc(runs, sizeof(*times));
	if (times == NULL)
		return perror("timeit: calloc"), 1;
	for (int i = 0; i < warmup; i++)
		run_once(&argv[optind + 1]);
	for (int i = 0; i < runs; i++) {
		times[i] = run_once(&argv[optind + 1]);
		if (times[i] < 0) {
			fprintf(stderr, "timeit: %s: run %d failed: %s\n", argv[optind], i + 1,
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
	fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] LABEL CMD [ARG...]\n"
			"       timeit [-n RUNS] [-w WARMUP] -p PLAN\n");
	return 2;
}
