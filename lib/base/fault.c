/* fault — test-only hook points: see fault.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "base/fault.h"

void fault_point(const char *phase)
{
	const char *wanted = getenv("STEPBOX_FAULT");
	struct timespec limit = { .tv_sec = 30 };
	char name[16], saved[16] = "";
	sigset_t release, old;

	if (wanted == NULL || strcmp(wanted, phase) != 0)
		return;

	/*
	 * A blocked signal is queued even for a namespace's PID 1, which the
	 * kernel would otherwise let ignore it: sigtimedwait() then takes it.
	 */
	sigemptyset(&release);
	sigaddset(&release, SIGUSR2);
	sigprocmask(SIG_BLOCK, &release, &old);

	prctl(PR_GET_NAME, saved);
	snprintf(name, sizeof(name), "fault:%s", phase);
	prctl(PR_SET_NAME, name);
	fprintf(stderr, "%s: fault point %s reached; waiting for SIGUSR2\n", saved, phase);

	while (sigtimedwait(&release, NULL, &limit) == -1 && errno == EINTR)
		;
	prctl(PR_SET_NAME, saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
