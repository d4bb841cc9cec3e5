#define _GNU_SOURCE
#include "frontend/image.h"
#include "base/keyvalue.h"
#include "frontend/store.h"
#include "base/log.h"
#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *image_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("STEPBOX_IMAGES");
	char self[PATH_MAX];
	ssize_t len;

	if (env && env[0])
		return env;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return "images";
	self[len] = '\0';
	snprintf(dir, sizeof(dir), "%.4000s/images", dirname(self));
	return dir;
}

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void image_free(struct image *image)
{
	char **lists[] = { image->tags, image->layers, image->entrypoint, image->cmd,
			   image->env, image->expose };

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (int i = 0; lists[l][i]; i++)
			free(lists[l][i]);
	free(image->workdir);
	free(image->user);
	memset(image, 0, sizeof(*image));
}

int image_add(char **list, int *count, int max, const char *word, const char *what,
	      struct error *err)
{
	if (*count >= max)
		return error_set(err, "more than %d %s", max, what);
	if (config_append(list, count, max, word) == -1)
		return error_errno(err, "%s %s", what, quote(word));
	return 0;
}

void image_normalize(const char *name, char *out, size_t size)
{
	static const char *const prefixes[] = { "docker.io/library/", "index.docker.io/library/",
						"docker.io/", "index.docker.io/" };
	const char *slash = strrchr(name, '/');

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) {
			name += strlen(prefixes[i]);
			break;
		}
	slash = strrchr(name, '/');
	/* A colon before the last slash is a registry's port, not a tag. */
	if (strchr(slash ? slash : name, ':') || strchr(name, '@'))
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s:latest", name);
}

/* A directory as an image: its only layer, and /bin/sh. */
static int open_directory(const char *path, struct image *image, struct error *err)
{
	char real[PATH_MAX];

	if (realpath(path, real) == NULL)
		return error_set(err, "%s: %s", quote(path), strerror(errno));
	if (strcmp(real, "/") == 0)
		return error_set(err, "%s is the host's own /: that would be no container at all",
				 quote(path));
	image->builtin = true;
	if (image_add(image->layers, &image->nlayers, MAX_LAYERS + 1, real, "layers", err) == -1 ||
	    image_add(image->cmd, &image->ncmd, IMAGE_MAX_WORDS, "/bin/sh", "words", err) == -1 ||
	    config_set(&image->workdir, "/") == -1)
		return -1;
	return 0;
}

static bool is_digest(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return false;
	return strspn(s + 7, "0123456789abcdef") == 64;
}

/*
 * A layer line: a directory relative to the file (a built-in), or
 * "sha256:<diff id> sha256:<blob> SIZE", a layer of the store.
 */
static int layer_line(struct image *image, const char *base, char *value, struct error *err)
{
	char path[PATH_MAX * 2], real[PATH_MAX], blob[IMAGE_DIGEST_LEN] = "";
	unsigned long long size = 0;
	int i = image->nlayers;

	if (i == MAX_LAYERS + 1)
		return error_set(err, "more than %d layers", MAX_LAYERS + 1);
	if (strncmp(value, "sha256:", 7) == 0) {
		char *space = strchr(value, ' ');

		if (space) {
			*space = '\0';
			if (sscanf(space + 1, "%71s %llu", blob, &size) != 2 || !is_digest(blob))
				return error_set(err, "%s: a damaged layer line", quote(image->file));
		}
		if (!is_digest(value))
			return error_set(err, "%s: a damaged layer line", quote(image->file));
		snprintf(image->diff_ids[i], IMAGE_DIGEST_LEN, "%s", value);
		snprintf(image->blobs[i].digest, IMAGE_DIGEST_LEN, "%s", blob);
		image->blobs[i].size = size;
		snprintf(path, sizeof(path), "%s", store_layer_dir(value));
	} else {
		snprintf(path, sizeof(path), "%s/%s", value[0] == '/' ? "" : base, value);
	}
	errno = 0;
	if (realpath(path, real) == NULL || !is_directory(real))
		return error_set(err, "layer %s: %s — try: %s", quote(path),
				 errno ? strerror(errno) : "not a directory",
				 image->builtin ? "make rootfs" : "load the image again");
	return image_add(image->layers, &image->nlayers, MAX_LAYERS + 1, real, "layers", err);
}

/* One "key value" line of an image file. */
static int image_line(struct image *image, const char *base, const char *key, char *value,
		      struct error *err)
{
	kv_unescape(value);
	if (strcmp(key, "layer") == 0)
		return layer_line(image, base, value, err);
	if (strcmp(key, "entrypoint") == 0)
		return image_add(image->entrypoint, &image->nentrypoint, IMAGE_MAX_WORDS, value,
				 "entrypoint words", err);
	if (strcmp(key, "cmd") == 0)
		return image_add(image->cmd, &image->ncmd, IMAGE_MAX_WORDS, value, "cmd words", err);
	if (strcmp(key, "env") == 0)
		return image_add(image->env, &image->nenv, IMAGE_MAX_WORDS, value, "env variables", err);
	if (strcmp(key, "expose") == 0)
		return image_add(image->expose, &image->nexpose, IMAGE_MAX_WORDS, value, "ports", err);
	if (strcmp(key, "tag") == 0)
		return image_add(image->tags, &image->ntags, IMAGE_MAX_TAGS, value, "tags", err);
	if (strcmp(key, "workdir") == 0 || strcmp(key, "user") == 0)
		return config_set(key[0] == 'w' ? &image->workdir : &image->user, value) == -1
			? error_errno(err, "%s", key) : 0;
	if (strcmp(key, "id") == 0 && is_digest(value))
		snprintf(image->id, sizeof(image->id), "%s", value);
	else if (strcmp(key, "created") == 0)
		snprintf(image->created, sizeof(image->created), "%s", value);
	else if (strcmp(key, "size") == 0)
		image->size = strtoull(value, NULL, 10);
	else if (strcmp(key, "config") == 0) {
		unsigned long long size;

		if (sscanf(value, "%71s %llu", image->config.digest, &size) != 2 ||
		    !is_digest(image->config.digest))
			return error_set(err, "%s: a damaged config line", quote(image->file));
		image->config.size = size;
	}
	return 0;
}

int image_read(const char *file, const char *base, struct image *image, struct error *err)
{
	char line[PATH_MAX + 64];
	FILE *f;
	int r = 0;

	snprintf(image->file, sizeof(image->file), "%s", file);
	if ((f = fopen(file, "re")) == NULL)
		return error_errno(err, "open %s", quote(file));
	while (r == 0 && fgets(line, sizeof(line), f)) {
		char *space;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (space = strchr(line, ' ')) == NULL)
			continue;
		*space = '\0';
		r = image_line(image, base, line, space + 1, err);
	}
	fclose(f);
	if (r == 0 && image->nlayers == 0)
		r = error_set(err, "image %s has no layer", quote(image->name));
	if (r == 0 && image->workdir == NULL && config_set(&image->workdir, "/") == -1)
		r = error_errno(err, "workdir");
	return r;
}

int image_write(FILE *f, const struct image *image)
{
	fprintf(f, "# stepbox image, loaded: lib/frontend/image.h says what each line is\n");
	kv_put(f, "id", image->id);
	for (int i = 0; i < image->ntags; i++)
		kv_put(f, "tag", image->tags[i]);
	kv_put(f, "created", image->created);
	fprintf(f, "size %" PRIu64 "\n", image->size);
	fprintf(f, "config %s %" PRIu64 "\n", image->config.digest, image->config.size);
	for (int i = 0; i < image->nlayers; i++)
		fprintf(f, "layer %s %s %" PRIu64 "\n", image->diff_ids[i], image->blobs[i].digest,
			image->blobs[i].size);
	for (int i = 0; i < image->nentrypoint; i++)
		kv_put(f, "entrypoint", image->entrypoint[i]);
	for (int i = 0; i < image->ncmd; i++)
		kv_put(f, "cmd", image->cmd[i]);
	for (int i = 0; i < image->nenv; i++)
		kv_put(f, "env", image->env[i]);
	if (image->workdir && image->workdir[0])
		kv_put(f, "workdir", image->workdir);
	if (image->user && image->user[0])
		kv_put(f, "user", image->user);
	for (int i = 0; i < image->nexpose; i++)
		kv_put(f, "expose", image->expose[i]);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* A built-in: build/images/NAME (NAME:latest too). */
static int open_builtin(const char *name, struct image *image, struct error *err)
{
	char file[PATH_MAX], plain[256];
	const char *dir = image_dir();
	size_t len = strlen(name);

	snprintf(plain, sizeof(plain), "%s", name);
	if (len > 7 && strcmp(name + len - 7, ":latest") == 0)
		plain[len - 7] = '\0';
	if (plain[0] == '\0' || plain[0] == '.' || strchr(plain, ':'))
		return 1;
	snprintf(file, sizeof(file), "%.3800s/%.255s", dir, plain);
	if (access(file, F_OK) == -1)
		return 1;
	image->builtin = true;
	return image_read(file, dir, image, err);
}

int image_open(const char *name, struct image *image, struct error *err)
{
	int r;

	memset(image, 0, sizeof(*image));
	snprintf(image->name, sizeof(image->name), "%s", name);
	if (name[0] == '\0')
		return error_set(err, "invalid reference format: an empty image name");
	if (name[0] == '/' || name[0] == '.' || (strchr(name, '/') && is_directory(name))) {
		if (is_directory(name))
			return open_directory(name, image, err);
		return error_set(err, "Unable to find image %s: no such directory", quote(name));
	}
	/* The store first (a loaded busybox:latest is the one asked for), then a built-in. */
	r = store_find(name, image, err);
	if (r == 1)
		r = open_builtin(name, image, err);
	if (r == 1)
		r = error_set(err, "Unable to find image %s locally — see: images, load -i FILE "
			      "(or make rootfs)", quote(name));
	if (r == -1)
		image_free(image);
	return r;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_image_file(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

int image_list(void (*each)(const char *name, void *arg), void *arg)
{
	struct dirent **names;
	int n = scandir(image_dir(), &names, is_image_file, by_name);

	if (n == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		each(names[i]->d_name, arg);
		free(names[i]);
	}
	free(names);
	return 0;
}
