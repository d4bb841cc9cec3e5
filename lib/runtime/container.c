#define _GNU_SOURCE
#include "runtime/container.h"
#include "runtime/bridge.h"
#include "base/cleanup.h"
#include "base/fault.h"
#include "base/lock.h"
#include "base/log.h"
#include "base/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* A --rm container on its way out: <id>.removing (container_retire()). */
#define RETIRED ".removing"

static bool is_retired(const char *name)
{
	return strlen(name) == CONTAINER_ID_LEN + strlen(RETIRED) &&
	       strspn(name, "0123456789abcdef") == CONTAINER_ID_LEN &&
	       strcmp(name + CONTAINER_ID_LEN, RETIRED) == 0;
}

/* ---- who owns it ------------------------------------------------------- */

bool container_owner_alive(const struct container_record *rec)
{
	return rec->owner > 0 && proc_start_time(rec->owner) == rec->owner_start;
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

	/* Cleared first: a caller that looks at it after a failure sees nothing, not garbage. */
	memset(rec, 0, sizeof(*rec));
	snprintf(path, sizeof(path), "%s/" RECORD, dir);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
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

static void remove_leftovers(const char *root, const char *name, const struct container_record *rec)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	trace("container %.12s: its owner (pid %d) is gone: removing what it left", rec->id,
	      rec->owner);
	container_teardown(rec->id, TEARDOWN_BY_OTHER);
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
	rec.owner_start = proc_start_time(rec.owner);
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
	fault_point("create");
}

/* Step 08's <root>/containers goes with its last container (under the lock). */
static void remove_containers_dir_if_empty(void)
{
	int lock = lock_take(rundir_root());

	if (lock != -1) {
		rmdir(state_root());
		lock_release(lock);
	}
}

void container_remove(struct container *c)
{
	if (c->run.path[0] == '\0')
		return; /* removed already, or never made */
	rundir_remove_tree(c->run.path, RECORD);
	c->run.path[0] = '\0';
	remove_containers_dir_if_empty();
	rundir_remove_root_if_empty();
}

/* ---- step 08 ----------------------------------------------------------------- */

/*
 * A readable name, docker style: an adjective and a scientist, 512 of them.
 * Once `tries` of those were taken, a number follows (docker appends a
 * digit when it retries): a host with a thousand containers still gets a
 * name, and soon.
 */
static void make_up_name(char *name, size_t size, int tries)
{
	static const char *adjectives[] = { "brave", "calm", "eager", "fond", "gentle", "happy",
					    "keen", "lucid", "merry", "nimble", "proud", "quiet",
					    "sharp", "tender", "vivid", "witty" };
	static const char *people[] = { "curie", "dijkstra", "hopper", "kerrisk", "knuth",
					"lamport", "liskov", "lovelace", "noether", "ritchie",
					"shannon", "thompson", "torvalds", "turing", "wirth",
					"yonath" };
	unsigned char pick[3];
	unsigned int number;

	if (getrandom(pick, sizeof(pick), 0) != (ssize_t)sizeof(pick))
		pick[0] = pick[1] = pick[2] = 0;
	if (getrandom(&number, sizeof(number), 0) != (ssize_t)sizeof(number))
		number = (unsigned int)tries;
	if (tries < 8)
		snprintf(name, size, "%s_%s%s", adjectives[pick[0] % 16], people[pick[1] % 16],
			 pick[2] % 4 ? "" : "2");
	else
		snprintf(name, size, "%s_%s%u", adjectives[pick[0] % 16], people[pick[1] % 16],
			 number % 100000);
}

/* The names of the containers there are: read once per run, however many it tries. */
struct taken_names {
	char (*list)[STATE_NAME_LEN];
	int n;
	bool complete;   /* false: memory ran out, ask name_taken() instead */
};

static struct taken_names read_taken_names(const char *root)
{
	struct taken_names names = { .complete = true };
	DIR *dir = opendir(root);
	struct dirent *entry;
	int capacity = 0;

	if (dir == NULL)
		return names;
	while ((entry = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		struct error ignored;   /* a damaged config names nobody */

		if (!is_container_id(entry->d_name))
			continue;
		if (names.n == capacity) {
			int more = capacity ? 2 * capacity : 64;
			void *grown = realloc(names.list, more * sizeof(names.list[0]));

			if (grown == NULL) {
				names.complete = false;
				break;
			}
			names.list = grown;
			capacity = more;
		}
		snprintf(path, sizeof(path), "%s/%s", root, entry->d_name);
		if (state_read_name(path, names.list[names.n], STATE_NAME_LEN, &ignored) == 0)
			names.n++;
	}
	closedir(dir);
	return names;
}

static bool among(const struct taken_names *names, const char *name)
{
	for (int i = 0; i < names->n; i++)
		if (strcmp(names->list[i], name) == 0)
			return true;
	return false;
}

/* The id of the container called `name`, if there is one (the caller holds the lock). */
static bool name_taken(const char *root, const char *name, char *id, size_t size)
{
	DIR *dir = opendir(root);
	struct dirent *entry;
	bool taken = false;

	if (dir == NULL)
		return false;
	while (!taken && (entry = readdir(dir)) != NULL) {
		char path[PATH_MAX], other[STATE_NAME_LEN];
		struct error ignored;   /* a damaged config names nobody */

		if (!is_container_id(entry->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, entry->d_name);
		if (state_read_name(path, other, sizeof(other), &ignored) == 0 &&
		    strcmp(other, name) == 0) {
			snprintf(id, size, "%s", entry->d_name);
			taken = true;
		}
	}
	closedir(dir);
	return taken;
}

/*
 * What a shim killed half-way through a --rm left: <id>.removing, its owner
 * dead. Under the host lock, the first one found is claimed (its record names
 * us: no other run takes it) into `path`; false if there is none. It is
 * removed after the lock is let go (remove_retired()): the teardown takes
 * the lock itself. One a run: they are rare, and the next run takes the next.
 */
static bool claim_retired(const char *root, char *path, size_t size)
{
	DIR *dir = opendir(root);
	struct dirent *entry;
	bool claimed = false;

	if (dir == NULL)
		return false;
	while (!claimed && (entry = readdir(dir)) != NULL) {
		struct container_record rec;

		if (!is_retired(entry->d_name))
			continue;
		snprintf(path, size, "%s/%s", root, entry->d_name);
		claimed = container_read_record(path, &rec) == 0 &&
			  strncmp(rec.id, entry->d_name, CONTAINER_ID_LEN) == 0 &&
			  !container_owner_alive(&rec) && container_claim(path) == 0;
	}
	closedir(dir);
	return claimed;
}

static void remove_retired(const char *path)
{
	char id[CONTAINER_ID_LEN + 1];

	snprintf(id, sizeof(id), "%s", strrchr(path, '/') + 1);
	trace("container %.12s: its shim died before it removed it: removing what is left", id);
	container_teardown(id, TEARDOWN_BY_OTHER);
	rundir_remove_tree(path, RECORD);
}

int container_retire(char *dir, size_t size, struct error *err)
{
	char retired[PATH_MAX];
	int lock, result = 0;

	if ((size_t)snprintf(retired, sizeof(retired), "%s" RETIRED, dir) >= size) {
		errno = ENAMETOOLONG;
		return error_errno(err, "rename %s", dir);
	}
	/* Under the lock: a run choosing a name, or ps, sees it whole or not at all. */
	lock = lock_take(rundir_root());
	if (rename(dir, retired) == -1) {
		result = error_errno(err, "rename %s to %s", dir, retired);
	} else {
		trace("rename(\"%s\", \"%s\"): out of ps, its name free", dir, retired);
		snprintf(dir, size, "%s", retired);
	}
	if (lock != -1)
		lock_release(lock);
	return result;
}

void container_create_managed(struct container *c)
{
	struct container_record rec = { .owner = getpid(), .created = time(NULL) };
	const char *root = state_root();
	char other[CONTAINER_ID_LEN + 1], retired[PATH_MAX];
	struct error why;   /* its errno is what the die below reports */
	bool swept;
	int lock, err;

	new_id(c->id);
	memcpy(rec.id, c->id, sizeof(rec.id));
	rec.owner_start = proc_start_time(rec.owner);
	c->config.created = state_now();
	/* docker's default hostname: the short id. */
	if (c->config.hostname[0] == '\0')
		snprintf(c->config.hostname, sizeof(c->config.hostname), "%.12s", c->id);
	/* The rest of c->state is zero still (see the .h): a whole-struct
	 * assignment would write its 32 kB of cgroup paths, eight pages the
	 * kernel must fault in one by one. */
	c->state.status = STATUS_CREATED;
	trace("container id %s", c->id);

	lock = rundir_lock_root();
	if (mkdir(root, 0711) == -1 && errno != EEXIST) {
		err = errno;
		lock_release(lock);
		errno = err;
		die_errno(NULL, "mkdir(%s)", quote(root));
	}
	swept = claim_retired(root, retired, sizeof(retired));
	if (c->config.name[0] == '\0') {
		struct taken_names taken = read_taken_names(root);
		int tries = 0;

		do
			make_up_name(c->config.name, sizeof(c->config.name), tries++);
		while (taken.complete ? among(&taken, c->config.name)
				      : name_taken(root, c->config.name, other, sizeof(other)));
		free(taken.list);
	} else if (name_taken(root, c->config.name, other, sizeof(other))) {
		lock_release(lock);
		die("Conflict. The container name \"/%s\" is already in use by container \"%s\". "
		    "You have to remove (or rename) that container to be able to reuse that name.",
		    c->config.name, other);
	}
	if (rundir_create(&c->run, root, c->id) == -1 || write_record(c->run.path, &rec) == -1 ||
	    state_write_config(c->run.path, &c->config, &why) == -1 ||
	    state_write(c->run.path, &c->state, &why) == -1 || rundir_make_layers(&c->run) == -1) {
		err = errno;
		lock_release(lock);
		errno = err;
		if (c->run.path[0])
			rundir_remove_tree(c->run.path, NULL);
		die_errno(NULL, "create the container's directory %s", quote(c->run.path));
	}
	lock_release(lock);
	if (swept)
		remove_retired(retired);
	cleanup_on_exit(undo_container, c);
	fault_point("create");
}

int container_claim(const char *dir)
{
	struct container_record rec;

	if (container_read_record(dir, &rec) == -1)
		return -1;
	rec.owner = getpid();
	rec.owner_start = proc_start_time(rec.owner);
	return write_record(dir, &rec);
}

int container_find(const char *query, char *dir, size_t size, struct error *err)
{
	const char *root = state_root();
	DIR *list = opendir(root);
	struct dirent *entry;
	int matches = 0;
	size_t len = strlen(query);

	if (list != NULL) {
		while ((entry = readdir(list)) != NULL) {
			char path[PATH_MAX], name[STATE_NAME_LEN];

			if (!is_container_id(entry->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", root, entry->d_name);
			/* A name matches whole, and wins over any id prefix. */
			if (state_read_name(path, name, sizeof(name), err) == 0 &&
			    strcmp(name, query) == 0) {
				snprintf(dir, size, "%s", path);
				closedir(list);
				return 0;
			}
			if (len > 0 && strncmp(entry->d_name, query, len) == 0) {
				snprintf(dir, size, "%s", path);
				matches++;
			}
		}
		closedir(list);
	}
	if (matches == 1)
		return 0;
	if (matches > 1)
		return error_set(err, "Error: multiple IDs found with provided prefix: %s", query);
	return error_set(err, "Error: No such container: %s", query);
}

/* ---- one lifecycle ------------------------------------------------------------ */

bool container_is_active(const struct container_state *state)
{
	return state->status == STATUS_CREATED || state->status == STATUS_RUNNING;
}

/*
 * The allowed moves, runc's state machine with docker's names: created →
 * running → exited; created → exited when the command could not be
 * executed; dead from created or running when the shim died (rm and the
 * sweep write that, never a read). created → created adds what the shim
 * learned (PID 1, its cgroups) before the command runs.
 */
static bool allowed(enum container_status from, enum container_status to)
{
	switch (from) {
	case STATUS_CREATED:
		return true;
	case STATUS_RUNNING:
		return to == STATUS_EXITED || to == STATUS_DEAD;
	default:
		return false;
	}
}

int container_set_status(const char *dir, struct container_state *state,
			 enum container_status to, struct error *err)
{
	enum container_status now;

	/* What is on disk is the truth: another process may have moved it on. */
	if (state_read_status(dir, &now, err) == -1)
		return -1;
	if (!allowed(now, to)) {
		errno = EINVAL;
		return error_set(err, "container %.12s: no way from %s to %s", strrchr(dir, '/') + 1,
				 state_status_name(now), state_status_name(to));
	}
	state->status = to;
	if (state_write(dir, state, err) == -1)
		return -1;
	trace("state of %.12s: %s -> %s", strrchr(dir, '/') + 1, state_status_name(now),
	      state_status_name(to));
	return 0;
}

/*
 * Is PID 1 still the process the state names? Its PID with its start time:
 * a PID that the kernel handed to another process since has another start
 * time (and a zombie has none: it has exited).
 */
bool container_pid1_alive(const struct container_state *state)
{
	return state->pid > 0 && state->pid_start != 0 &&
	       proc_start_time(state->pid) == state->pid_start;
}

int container_load(const char *dir, struct container_config *config,
		   struct container_state *state, struct error *err)
{
	struct container_record rec;

	if (state_read_config(dir, config, err) == -1 || state_read(dir, state, err) == -1)
		return -1;
	if (!container_is_active(state))
		return 0;
	if (container_read_record(dir, &rec) == 0 && container_owner_alive(&rec))
		return 0;
	/*
	 * The shim is gone without a word: PID 1 went with it (its parent-death
	 * signal). That is what we report; the files stay as they are until rm
	 * (or the sweep) removes what it left: reading never changes a thing.
	 */
	state->status = STATUS_DEAD;
	state->exit_code = 128 + SIGKILL;
	snprintf(state->error, sizeof(state->error),
		 "its shim died; the kernel killed the container with it");
	return 0;
}

void container_teardown(const char *id, enum teardown_by by)
{
	/* Whatever still runs in its cgroup is killed, and the group removed. */
	cg_remove_leftovers(id);
	if (by == TEARDOWN_BY_SHIM) {
		/*
		 * PID 1 has just exited, and its network namespace goes with its
		 * last process: the kernel deletes the veth pair then, 10-40 ms
		 * later, in the background. Out of the bridge now, so the port
		 * count is right at once; the shim removes an unused bridge after
		 * it told the CLI the exit status (nobody need wait for that).
		 */
		bridge_unplug(id);
		return;
	}
	/* A dead owner's leftovers: its veth may outlive it (a namespace held
	 * open elsewhere), so delete it now, and the bridge if it was the last. */
	net_remove_leftovers(id);
	bridge_remove_if_unused();
}

int container_delete(const char *dir, struct error *err)
{
	char id[CONTAINER_ID_LEN + 1];   /* <dir> is <id>, or <id>.removing */
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct container_record rec;

	snprintf(id, sizeof(id), "%s", strrchr(dir, '/') + 1);
	/* The shim itself may be deleting it (--rm): then it is not ours to wait for. */
	for (int tries = 0; container_read_record(dir, &rec) == 0 && rec.owner != getpid() &&
			    container_owner_alive(&rec); tries++) {
		if (tries == 500) {
			errno = EBUSY;
			return error_set(err, "%.12s: its shim (pid %d) is still tearing down", id,
					 rec.owner);
		}
		nanosleep(&pause, NULL);
	}

	/* A shim removing its own container (--rm) took it down already; for
	 * anyone else, what is left is the dead owner's to clean. */
	if (container_read_record(dir, &rec) == -1 || rec.owner != getpid())
		container_teardown(id, TEARDOWN_BY_OTHER);
	if (rundir_remove_tree(dir, RECORD) == -1)
		return error_errno(err, "remove %s", dir);
	/* The last one out takes <root>/containers, and the root, with it. */
	remove_containers_dir_if_empty();
	rundir_remove_root_if_empty();
	return 0;
}

void container_kill_owner(const char *dir)
{
	struct container_record rec;

	if (container_read_record(dir, &rec) == 0 && rec.owner != getpid() &&
	    container_owner_alive(&rec))
		kill(rec.owner, SIGKILL);
}

int container_each(void (*each)(const char *dir, void *arg), void *arg)
{
	const char *root = state_root();
	struct dirent **names;
	int n = scandir(root, &names, NULL, alphasort);

	if (n == -1)
		return errno == ENOENT ? 0 : -1;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (is_container_id(names[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", root, names[i]->d_name);
			each(path, arg);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
