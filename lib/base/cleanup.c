#include "base/cleanup.h"
#include "base/log.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_CLEANUPS 8

static struct { void (*undo)(void *); void *arg; } cleanups[MAX_CLEANUPS];
static int ncleanups;
static pid_t owner;

static void run_cleanups(void)
{
	if (getpid() != owner)
		return;
	while (ncleanups > 0) {
		ncleanups--;
		cleanups[ncleanups].undo(cleanups[ncleanups].arg);
	}
}

void cleanup_take_over(void)
{
	owner = getpid();
}

void cleanup_forget(void)
{
	ncleanups = 0;
}

void cleanup_on_exit(void (*undo)(void *), void *arg)
{
	if (ncleanups == 0 && owner == 0) {
		owner = getpid();
		if (atexit(run_cleanups) != 0)
			die("atexit() failed");
	}
	if (ncleanups == MAX_CLEANUPS)
		die("cleanup_on_exit: more than %d cleanups", MAX_CLEANUPS);
	cleanups[ncleanups].undo = undo;
	cleanups[ncleanups].arg = arg;
	ncleanups++;
}
