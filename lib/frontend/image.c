#define _GNU_SOURCE
#include "frontend/image.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
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

/* A directory as an image: its only layer, and /bin/sh. */
static int open_directory(const char *path, struct image *image, struct error *err)
{
	if (realpath(path, image->layers[0]) == NULL) {
		error_set(err, "%s: %s", quote(path), strerror(errno));
		return -1;
	}
	if (strcmp(image->layers[0], "/") == 0) {
		error_set(err, "%s is the host's own /: that would be no container at all",
			 quote(path));
		return -1;
	}
	image->nlayers = 1;
	snprintf(image->cmd[0], IMAGE_WORD_LEN, "/bin/sh");
	image->ncmd = 1;
	snprintf(image->workdir, sizeof(image->workdir), "/");
	return 0;
}

/* One "key value" line of an image file. */
static int image_line(struct image *image, const char *file_dir, const char *key,
		      const char *value, struct error *err)
{
	char path[PATH_MAX * 2];

	if (strcmp(key, "layer") == 0) {
		if (image->nlayers == MAX_LAYERS + 1) {
			error_set(err, "more than %d layers", MAX_LAYERS + 1);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", value[0] == '/' ? "" : file_dir, value);
		if (realpath(path, image->layers[image->nlayers]) == NULL || !is_directory(path)) {
			error_set(err, "layer %s: %s — try: make rootfs", quote(path),
				 errno ? strerror(errno) : "not a directory");
			return -1;
		}
		image->nlayers++;
	} else if (strcmp(key, "cmd") == 0 && image->ncmd < IMAGE_MAX_WORDS) {
		snprintf(image->cmd[image->ncmd++], IMAGE_WORD_LEN, "%s", value);
	} else if (strcmp(key, "env") == 0 && image->nenv < IMAGE_MAX_WORDS) {
		snprintf(image->env[image->nenv++], IMAGE_WORD_LEN, "%s", value);
	} else if (strcmp(key, "workdir") == 0) {
		snprintf(image->workdir, sizeof(image->workdir), "%s", value);
	} else if (strcmp(key, "expose") == 0 && image->nexpose < IMAGE_MAX_WORDS) {
		snprintf(image->expose[image->nexpose++], 32, "%s", value);
	}
	return 0;
}

int image_open(const char *name, struct image *image, struct error *err)
{
	char file[PATH_MAX], line[PATH_MAX + 64];
	const char *dir = image_dir();
	FILE *f;

	memset(image, 0, sizeof(*image));
	snprintf(image->name, sizeof(image->name), "%s", name);
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		if (is_directory(name))
			return open_directory(name, image, err);
		error_set(err, "Unable to find image %s: no such directory", quote(name));
		return -1;
	}
	snprintf(file, sizeof(file), "%.4000s/%s", dir, name);
	if ((f = fopen(file, "re")) == NULL) {
		error_set(err, "Unable to find image %s in %s%s", quote(name), dir,
			 errno == ENOENT ? " — see: images (or make rootfs)" : "");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *space;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (space = strchr(line, ' ')) == NULL)
			continue;
		*space = '\0';
		errno = 0;
		if (image_line(image, dir, line, space + 1, err) == -1) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (image->nlayers == 0) {
		error_set(err, "image %s has no layer", quote(name));
		return -1;
	}
	if (image->workdir[0] == '\0')
		snprintf(image->workdir, sizeof(image->workdir), "/");
	return 0;
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
