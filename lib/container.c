#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "lock.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD "record"

/* ---- the id ------------------------------------------------------------- */

static void new_id(char id[CONTAINER_ID_LEN + 1])
{
	unsigned char bytes[CONTAINER_ID_LEN / 2];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		die_errno(NULL, "getrandom(%zu bytes) for the container's id", sizeof(bytes));
	for (size_t i = 0; i < sizeof(bytes); i++)
		sprintf(id + 2 * i, "%02x", bytes[i]);
}

static bool is_container_id(const char *name)
{
	return strlen(name) == CONTAINER_ID_LEN &&
	       strspn(name, "0123456789abcdef") == CONTAINER_ID_LEN;
}

/* ---- who owns it ------------------------------------------------------- */

/*
 * Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with
 * the PID, it names one process for as long as the machine is up. 0 if the
 * process is gone or a zombie (it has exited: only its reaping is left).
 */
static unsigned long long start_time_of(pid_t pid)
{
	char path[64], line[1024], *after_comm;
	unsigned long long start = 0;
	char state;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) && (after_comm = strrchr(line, ')')) &&
	    sscanf(after_comm + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				   "%*d %*d %*d %*d %llu", &state, &start) == 2 && state == 'Z')
		start = 0;
	fclose(f);
	return start;
}

bool container_owner_alive(const struct container_record *rec)
{
	return rec->owner > 0 && start_time_of(rec->owner) == rec->owner_start;
}

/* ---- the record ---------------------------------------------------------- */

/* Written to record.tmp, then renamed: a reader sees the old one or the new one. */
static int write_record(const char *dir, const struct container_record *rec)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" RECORD, dir);
	snprintf(tmp, sizeof(tmp), "%s/" RECORD ".tmp", dir);
	if ((f = fopen(tmp, "wxe")) == NULL)
		return -1;
	fprintf(f, "# stepbox container record: who owns the container %.12s\n"
		   "id %s\nowner %d %llu\ncreated %lld\n",
		rec->id, rec->id, rec->owner, rec->owner_start, (long long)rec->created);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		int err = errno;

		unlink(tmp);
		errno = err;
		return -1;
	}
	trace("rename(\"%s.tmp\", \"%s\"): the record, owner pid %d started at tick %llu",
	      path, path, rec->owner, rec->owner_start);
	return 0;
}

int container_read_record(const char *dir, struct container_record *rec)
{
	char path[PATH_MAX + 16], line[256];
	long long created;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" RECORD, dir);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	memset(rec, 0, sizeof(*rec));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "id %64s", rec->id) == 1)
			found |= 1;
		else if (sscanf(line, "owner %d %llu", &rec->owner, &rec->owner_start) == 2)
			found |= 2;
		else if (sscanf(line, "created %lld", &created) == 1)
			rec->created = created, found |= 4;
	}
	fclose(f);
	if (found != 7 || !is_container_id(rec->id)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- the sweep ----------------------------------------------------------- */

static void remove_leftovers(const char *root, const char *id, const struct container_record *rec)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, id);
	trace("container %.12s: its owner (pid %d) is gone: removing what it left", id,
	      rec->owner);
	cg_remove_leftovers(id);
	net_remove_leftovers(id);
	rundir_remove_tree(path, RECORD);
}

/* A directory whose record was never renamed into place: at most record.tmp in it. */
static int remove_unrecorded(const char *dir)
{
	char tmp[PATH_MAX + 16];

	snprintf(tmp, sizeof(tmp), "%s/" RECORD ".tmp", dir);
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -1;
	return rmdir(dir);
}

void container_sweep(const char *root)
{
	DIR *dir = opendir(root);
	struct dirent *entry;

	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		struct container_record rec;
		char path[PATH_MAX];

		/* Only what carries our own record; nothing else here is touched. */
		if (!is_container_id(entry->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, entry->d_name);
		if (container_read_record(path, &rec) == -1) {
			/* Killed between mkdir and rename(record): empty, or a record.tmp. */
			if (errno == ENOENT && remove_unrecorded(path) == 0)
				trace("rmdir(\"%s\"): made by a run killed before its record", path);
			continue;
		}
		if (strcmp(rec.id, entry->d_name) != 0 || container_owner_alive(&rec))
			continue;
		remove_leftovers(root, entry->d_name, &rec);
	}
	closedir(dir);
}

/* ---- create, remove -------------------------------------------------------- */

static void undo_container(void *c)
{
	container_remove(c);
}

void container_create(struct container *c)
{
	struct container_record rec = { .owner = getpid(), .created = time(NULL) };
	const char *root = rundir_root();
	int lock, err;

	new_id(c->id);
	memcpy(rec.id, c->id, sizeof(rec.id));
	rec.owner_start = start_time_of(rec.owner);
	trace("container id %s", c->id);

	/* Under the lock: nobody sweeps our directory before the record is in it. */
	lock = rundir_lock_root();
	container_sweep(root);
	if (rundir_create(&c->run, root, c->id) == -1 || write_record(c->run.path, &rec) == -1 ||
	    rundir_make_layers(&c->run) == -1) {
		err = errno;
		lock_release(lock);
		errno = err;
		if (c->run.path[0])
			rundir_remove_tree(c->run.path, NULL);
		die_errno("set STEPBOX_RUNDIR to a writable directory on a local disk",
			  "create the run directory %s", quote(c->run.path));
	}
	lock_release(lock);
	cleanup_on_exit(undo_container, c);
}

void container_remove(struct container *c)
{
	if (c->run.path[0] == '\0')
		return; /* removed already, or never made */
	rundir_remove_tree(c->run.path, RECORD);
	c->run.path[0] = '\0';
	rundir_remove_root_if_empty();
}
