/*
 * store — loaded images' directories, records and lock: see store.h.
 */
#define _GNU_SOURCE
#include "frontend/store.h"
#include "base/lock.h"
#include "base/log.h"
#include "frontend/layer.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *store_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("STEPBOX_STORE"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (env && env[0])
		return env;
	/* As docker keeps /var/lib/docker; a user's own images in their home. */
	if (geteuid() == 0)
		return "/var/lib/stepbox/images";
	if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%.4000s/stepbox/images", xdg);
	else
		snprintf(dir, sizeof(dir), "%.4000s/.local/share/stepbox/images",
			 home && home[0] ? home : "/nonexistent");
	return dir;
}

const char *store_layer_dir(const char *diff_id)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%.4000s/layers/sha256/%.64s", store_dir(), diff_id + 7);
	return dir;
}

void store_blob_path(const char *digest, char *out, size_t size)
{
	snprintf(out, size, "%.4000s/blobs/sha256/%.64s", store_dir(), digest + 7);
}

/* mkdir -p, 0700 for what we make: the store is its owner's. */
static int make_dirs(const char *path, struct error *err)
{
	char partial[PATH_MAX];

	for (const char *slash = path; (slash = strchr(slash + 1, '/')) != NULL;) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(slash - path), path);
		if (mkdir(partial, 0755) == -1 && errno != EEXIST)
			return error_errno(err, "mkdir %s", quote(partial));
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return error_errno(err, "mkdir %s", quote(path));
	return 0;
}

/* What a killed load, rmi or put left: NAME.tmp-XXXXXX, in `dir`. */
static void sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	struct error err;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".tmp-") == NULL)
			continue;
		snprintf(path, sizeof(path), "%.3000s/%s", dir, e->d_name);
		if (layer_remove(path, &err) == -1)
			warn("store: a leftover: %s", err.msg);
	}
	closedir(d);
}

static const char *const store_subdirs[] = { "", "/layers/sha256", "/blobs/sha256", "/records" };

int store_open(struct error *err)
{
	char path[PATH_MAX];
	int lock;

	for (size_t i = 0; i < sizeof(store_subdirs) / sizeof(store_subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%.4000s%s", store_dir(), store_subdirs[i]);
		if (make_dirs(path, err) == -1)
			return -1;
	}
	if ((lock = lock_take(store_dir())) == -1)
		return error_errno(err, "lock %s", quote(store_dir()));
	for (size_t i = 0; i < sizeof(store_subdirs) / sizeof(store_subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%.4000s%s", store_dir(), store_subdirs[i]);
		sweep(path);
	}
	return lock;
}

void store_close(int lock)
{
	lock_release(lock);
}

/* ---- records ------------------------------------------------------------------------ */

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_record(const struct dirent *e)
{
	return strlen(e->d_name) == 64 && strspn(e->d_name, "0123456789abcdef") == 64;
}

/* The ids of the store, sorted; their count, or -1 (no store yet: 0). */
static int record_names(struct dirent ***names)
{
	char dir[PATH_MAX];
	int n;

	snprintf(dir, sizeof(dir), "%.4000s/records", store_dir());
	n = scandir(dir, names, is_record, by_name);
	if (n == -1 && errno == ENOENT) {
		*names = NULL;
		return 0;
	}
	return n;
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void record_path(const char *hex, char *out, size_t size)
{
	snprintf(out, size, "%.4000s/records/%.64s", store_dir(), hex);
}

/* Does the record's file have the line "tag TAG"? Read as text: a damaged one too. */
static bool has_tag(const char *file, const char *tag)
{
	char line[1024];
	FILE *f = fopen(file, "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strncmp(line, "tag ", 4) == 0 && strcmp(line + 4, tag) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

static int read_record(const char *hex, struct image *image, struct error *err)
{
	char file[PATH_MAX];

	record_path(hex, file, sizeof(file));
	return image_read(file, store_dir(), image, err);
}

int store_find(const char *name, struct image *image, struct error *err)
{
	struct dirent **names;
	char tag[256], file[PATH_MAX];
	const char *prefix = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
	int n = record_names(&names), found = -1;

	memset(image, 0, sizeof(*image));
	snprintf(image->name, sizeof(image->name), "%s", name);
	/* A store we may not read (another user's $HOME) holds no image for us:
	 * the built-ins are still there, and the flags are checked as ever. */
	if (n == -1 && errno == EACCES)
		return 1;
	if (n == -1)
		return error_errno(err, "list the images of %s", quote(store_dir()));
	image_normalize(name, tag, sizeof(tag));
	for (int i = 0; i < n && found == -1; i++) {
		record_path(names[i]->d_name, file, sizeof(file));
		if (has_tag(file, tag))
			found = i;
	}
	/* docker takes an id's unique prefix too. */
	if (found == -1 && prefix[0] && strspn(prefix, "0123456789abcdef") == strlen(prefix))
		for (int i = 0; i < n; i++) {
			if (strncmp(names[i]->d_name, prefix, strlen(prefix)) != 0)
				continue;
			if (found != -1) {
				free_names(names, n);
				return error_set(err, "image id prefix %s is ambiguous", quote(prefix));
			}
			found = i;
		}
	if (found == -1) {
		free_names(names, n);
		return 1;
	}
	{
		char hex[65];
		int r;

		snprintf(hex, sizeof(hex), "%.64s", names[found]->d_name);
		free_names(names, n);
		r = read_record(hex, image, err);
		if (r == 0 && image->ntags && strcmp(image->name, name) != 0)
			snprintf(image->name, sizeof(image->name), "%s", image->tags[0]);
		return r;
	}
}

int store_each(void (*each)(const struct image *image, void *arg), void *arg)
{
	struct dirent **names;
	int n = record_names(&names);

	if (n == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		struct image image = { 0 };
		struct error err;

		if (read_record(names[i]->d_name, &image, &err) == -1)
			warn("image %.12s: %s", names[i]->d_name, err.msg);
		else
			each(&image, arg);
		image_free(&image);
	}
	free_names(names, n);
	return 0;
}

/* Write `file` whole: a temporary file, then rename(). */
static int write_record(const char *file, const struct image *image, struct error *err)
{
	char tmp[PATH_MAX + 16];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file);
	if ((fd = mkstemp(tmp)) == -1)
		return error_errno(err, "create %s", quote(tmp));
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return error_errno(err, "fdopen %s", quote(tmp));
	}
	fchmod(fd, 0644);
	if (image_write(f, image) == -1 || fsync(fd) == -1) {
		fclose(f);
		unlink(tmp);
		return error_errno(err, "write %s", quote(tmp));
	}
	if (fclose(f) == EOF || rename(tmp, file) == -1) {
		unlink(tmp);
		return error_errno(err, "write %s", quote(file));
	}
	return 0;
}

/* Rewrite another image without `tag`. */
static int drop_tag(const char *hex, const char *tag, struct error *err)
{
	struct image other = { 0 };
	char file[PATH_MAX];
	int kept = 0, r;

	if (read_record(hex, &other, err) == -1) {
		image_free(&other);
		return -1;
	}
	for (int i = 0; i < other.ntags; i++) {
		if (strcmp(other.tags[i], tag) == 0)
			free(other.tags[i]);
		else
			other.tags[kept++] = other.tags[i];
	}
	for (int i = kept; i < other.ntags; i++)
		other.tags[i] = NULL;
	other.ntags = kept;
	record_path(hex, file, sizeof(file));
	r = write_record(file, &other, err);
	image_free(&other);
	return r;
}

int store_put(const struct image *image, struct error *err)
{
	struct dirent **names;
	char file[PATH_MAX];
	int n = record_names(&names);

	if (n == -1)
		return error_errno(err, "list the images of %s", quote(store_dir()));
	/* A tag names one image: loading it again moves it here, as docker does. */
	for (int i = 0; i < n; i++) {
		record_path(names[i]->d_name, file, sizeof(file));
		if (strcmp(names[i]->d_name, image->id + 7) == 0)
			continue;
		for (int t = 0; t < image->ntags; t++)
			if (has_tag(file, image->tags[t]) &&
			    drop_tag(names[i]->d_name, image->tags[t], err) == -1) {
				free_names(names, n);
				return -1;
			}
	}
	free_names(names, n);
	record_path(image->id + 7, file, sizeof(file));
	return write_record(file, image, err);
}

int store_untag(const struct image *image, const char *tag, struct error *err)
{
	return drop_tag(image->id + 7, tag, err);
}

/* ---- removal: what no record names any more -------------------------------------- */

struct in_use {
	char (*digests)[65];
	size_t count, cap;
};

static int note(struct in_use *used, const char *digest)
{
	if (strncmp(digest, "sha256:", 7) != 0)
		return 0;
	if (used->count == used->cap) {
		size_t cap = used->cap ? used->cap * 2 : 256;
		void *more = realloc(used->digests, cap * sizeof(*used->digests));

		if (more == NULL)
			return -1;
		used->digests = more, used->cap = cap;
	}
	snprintf(used->digests[used->count++], 65, "%.64s", digest + 7);
	return 0;
}

static bool is_used(const struct in_use *used, const char *hex)
{
	for (size_t i = 0; i < used->count; i++)
		if (strcmp(used->digests[i], hex) == 0)
			return true;
	return false;
}

/* Every digest that the records name: their layers, blobs and configs. */
static int collect_in_use(struct in_use *used, struct error *err)
{
	struct dirent **names;
	char file[PATH_MAX], line[1024], a[80], b[80];
	int n = record_names(&names);

	if (n == -1)
		return error_errno(err, "list the images of %s", quote(store_dir()));
	for (int i = 0; i < n; i++) {
		FILE *f;

		record_path(names[i]->d_name, file, sizeof(file));
		if ((f = fopen(file, "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f)) {
			int fields = sscanf(line, "layer %79s %79s", a, b);

			if (fields < 1)
				fields = sscanf(line, "config %79s", a);
			if ((fields >= 1 && note(used, a) == -1) || (fields == 2 && note(used, b) == -1)) {
				fclose(f);
				free_names(names, n);
				return error_set(err, "out of memory");
			}
		}
		fclose(f);
	}
	free_names(names, n);
	return 0;
}

/* Remove every entry of <store>/SUB that is not in use. */
static int remove_unused(const struct in_use *used, const char *sub, struct error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "%.4000s/%s", store_dir(), sub);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || is_used(used, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%.3800s/%.255s", dir, e->d_name);
		if (layer_remove(path, err) == -1)
			r = -1;
	}
	closedir(d);
	return r;
}

int store_remove(const struct image *image, struct error *err)
{
	struct in_use used = { 0 };
	char file[PATH_MAX];
	int r;

	record_path(image->id + 7, file, sizeof(file));
	if (unlink(file) == -1)
		return error_errno(err, "remove %s", quote(file));
	r = collect_in_use(&used, err);
	if (r == 0)
		r = remove_unused(&used, "layers/sha256", err);
	if (r == 0)
		r = remove_unused(&used, "blobs/sha256", err);
	free(used.digests);
	return r;
}

static uint64_t walked_bytes;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode))
		walked_bytes += (uint64_t)st->st_size;
	return 0;
}

uint64_t store_tree_size(const char *dir)
{
	walked_bytes = 0;
	nftw(dir, add_size, 16, FTW_PHYS);
	return walked_bytes;
}
