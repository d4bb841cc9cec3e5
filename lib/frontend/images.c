/*
 * images — docker's commands for images: load, images, rmi, history, save,
 * pull. The store (lib/frontend/store) holds the loaded ones; the
 * built-ins of `make rootfs` (build/images) are listed beside them.
 */
#define _GNU_SOURCE
#include "frontend/commands.h"
#include "base/json.h"
#include "base/log.h"
#include "frontend/image.h"
#include "frontend/load.h"
#include "frontend/report.h"
#include "frontend/save.h"
#include "frontend/sha256.h"
#include "frontend/store.h"
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- docker's ways of saying sizes and dates ------------------------------------ */

/* "7.8MB", "187MB", "1.24kB": decimal units, three significant digits, as docker. */
static void human_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double value = (double)bytes;
	int unit = 0;

	while (value >= 1000 && unit < 4)
		value /= 1000, unit++;
	snprintf(out, size, "%.3g%s", value, units[unit]);
}

/* RFC 3339 ("2024-05-30T12:00:00.123Z") into ns since the epoch; 0 if not one. */
static long long parse_time(const char *text)
{
	struct tm tm = { 0 };

	if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (long long)timegm(&tm) * 1000000000LL;
}

/* "3 days ago", or "N/A" for an image that does not say when. */
static void created_ago(long long ns, char *out, size_t size)
{
	char words[64];

	if (ns <= 0) {
		snprintf(out, size, "N/A");
		return;
	}
	report_duration(state_now() - ns, words, sizeof(words));
	snprintf(out, size, "%s ago", words);
}

/* A built-in's id: the SHA-256 of its file, as an image's is of its config. */
static void file_id(const char *file, char *out, size_t size)
{
	unsigned char buf[8192], digest[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	struct sha256 s;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	sha256_init(&s);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&s, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	snprintf(out, size, "sha256:%s", hex);
}

/* "nginx:alpine" into "nginx" and "alpine" (a colon before a slash is a port). */
static void split_tag(const char *tag, char *repo, size_t size, const char **version)
{
	const char *slash = strrchr(tag, '/'), *colon = strrchr(slash ? slash : tag, ':');

	snprintf(repo, size, "%.*s", colon ? (int)(colon - tag) : (int)strlen(tag), tag);
	*version = colon ? colon + 1 : "latest";
}

/* ---- images --------------------------------------------------------------------- */

static void image_rows(struct report_table *table, const struct image *image, const char *id,
		       long long created, uint64_t bytes)
{
	char repo[256], short_id[13], ago[80], size[32];
	const char *cells[5], *tag;

	snprintf(short_id, sizeof(short_id), "%.12s", id + 7);
	created_ago(created, ago, sizeof(ago));
	human_size(bytes, size, sizeof(size));
	cells[2] = short_id, cells[3] = ago, cells[4] = size;
	for (int i = 0; i < image->ntags; i++) {
		split_tag(image->tags[i], repo, sizeof(repo), &tag);
		cells[0] = repo, cells[1] = tag;
		report_row(table, cells);
	}
	if (image->ntags == 0) {
		cells[0] = "<none>", cells[1] = "<none>";
		report_row(table, cells);
	}
}

static void loaded_row(const struct image *image, void *arg)
{
	image_rows(arg, image, image->id, parse_time(image->created), image->size);
}

static void builtin_row(const char *name, void *arg)
{
	struct image image;
	struct error err;
	struct stat st;
	char id[IMAGE_DIGEST_LEN];
	uint64_t bytes = 0;

	if (image_open(name, &image, &err) == -1 || !image.builtin) {
		if (image.file[0] == '\0' || !image.builtin)
			image_free(&image);
		return;
	}
	file_id(image.file, id, sizeof(id));
	for (int i = 0; i < image.nlayers; i++)
		bytes += store_tree_size(image.layers[i]);
	/* A built-in has no tag line: its file's name is its name. */
	image_add(image.tags, &image.ntags, IMAGE_MAX_TAGS, name, "tags", &err);
	image_rows(arg, &image, id, stat(image.file, &st) == 0 ? st.st_mtime * 1000000000LL : 0,
		   bytes);
	image_free(&image);
}

int command_images(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 5 };
	static const char *header[] = { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE" };

	(void)argv;
	if (argc > 1)
		die("\"images\" takes no argument");
	report_row(&table, header);
	if (store_each(loaded_row, &table) == -1)
		die_errno(NULL, "list the images of %s", quote(store_dir()));
	/* No built-ins (no make rootfs yet) is no error: the loaded ones are a list. */
	image_list(builtin_row, &table);
	report_print(&table, stdout);
	return 0;
}

/* ---- load, save, pull ------------------------------------------------------------- */

int command_load(int argc, char **argv)
{
	const char *input = "-";
	struct error err;
	int key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "i:q")) != -1) {
		if (key == 'i')
			input = optarg;
		else if (key != 'q')
			die("load: unknown flag: %s — usage: %s load [-i FILE|-]", quote(argv[optind - 1]),
			    log_progname());
	}
	if (optind < argc)
		die("\"load\" takes no argument but -i FILE — see: %s --help", log_progname());
	if (load_images(input, stdout, &err) == -1)
		error_die(&err);
	return 0;
}

/* The image `name`, or die in docker's words. */
static void open_or_die(const char *name, struct image *image)
{
	struct error err;

	if (image_open(name, image, &err) == -1)
		die("No such image: %s (%s)", name, err.msg);
}

int command_save(int argc, char **argv)
{
	const char *output = "-";
	struct image image;
	struct error err;
	int key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "o:")) != -1) {
		if (key != 'o')
			die("save: unknown flag: %s — usage: %s save -o FILE IMAGE",
			    quote(argv[optind - 1]), log_progname());
		output = optarg;
	}
	if (optind + 1 != argc)
		die("\"save\" requires exactly 1 image — usage: %s save -o FILE IMAGE", log_progname());
	open_or_die(argv[optind], &image);
	if (save_image(&image, output, &err) == -1) {
		image_free(&image);
		error_die(&err);
	}
	image_free(&image);
	return 0;
}

/*
 * pull: the registry's protocol is skopeo's part (the network, tokens,
 * manifests lists); ours is the archive it writes, which load reads.
 */
int command_pull(int argc, char **argv)
{
	char archive[PATH_MAX], target[PATH_MAX + 300];
	const char *name;
	struct error err;
	pid_t pid;
	int status, fd;

	if (argc != 2 || argv[1][0] == '-')
		die("\"pull\" requires exactly 1 argument: NAME[:TAG] — usage: %s pull NAME",
		    log_progname());
	name = argv[1];
	if (system("command -v skopeo >/dev/null 2>&1") != 0)
		die("pull %s: skopeo is not installed; the network is its part — install it "
		    "(apt-get install skopeo), or on a machine that has it: skopeo copy docker://%s "
		    "oci-archive:image.tar:%s, then: %s load -i image.tar", name, name, name,
		    log_progname());
	/* Beside, not in, the store: load sweeps the store's temporary files. */
	snprintf(archive, sizeof(archive), "%s/stepbox-pull-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp");
	if ((fd = mkstemp(archive)) == -1)
		die_errno(NULL, "mkstemp %s", quote(archive));
	close(fd);
	snprintf(target, sizeof(target), "oci-archive:%s:%s", archive, name);
	fprintf(stderr, "skopeo copy docker://%s %s\n", name, target);
	if ((pid = fork()) == 0) {
		char source[512];

		snprintf(source, sizeof(source), "docker://%s", name);
		execlp("skopeo", "skopeo", "copy", source, target, (char *)NULL);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		unlink(archive);
		die("pull %s: skopeo copy failed (its message is above)", name);
	}
	if (load_images(archive, stdout, &err) == -1) {
		unlink(archive);
		error_die(&err);
	}
	unlink(archive);
	return 0;
}

/* ---- rmi ------------------------------------------------------------------------- */

struct users {
	const struct image *image;
	struct container_config *config;
	char id[13];                /* the first container that uses it */
};

/* Does the container in `dir` start from this image's layers? Then it uses the image. */
static void note_user(const char *dir, void *arg)
{
	struct users *users = arg;
	struct error ignored;   /* a damaged config uses no image */
	bool same;

	if (users->id[0] || state_read_config(dir, users->config, &ignored) == -1)
		return;
	/* Its base and its top (run drops a repeated layer, so not the count). */
	same = users->config->nlayers > 0 &&
	       strcmp(users->config->layers[0], users->image->layers[0]) == 0 &&
	       strcmp(users->config->layers[users->config->nlayers - 1],
		      users->image->layers[users->image->nlayers - 1]) == 0;
	if (same)
		snprintf(users->id, sizeof(users->id), "%.12s", strrchr(dir, '/') + 1);
}

static int remove_one(const char *name)
{
	struct image image;
	struct error err;
	char tag[256];
	int lock, r = 0;

	image_normalize(name, tag, sizeof(tag));
	if (image_open(name, &image, &err) == -1 || image.builtin) {
		if (image.builtin)
			fprintf(stderr, "Error response from daemon: %s is a built-in image of stepbox "
				"(%s): make clean removes it\n", name, image.file);
		else
			fprintf(stderr, "Error response from daemon: No such image: %s\n", name);
		image_free(&image);
		return -1;
	}
	if ((lock = store_open(&err)) == -1) {
		error_print(&err);
		image_free(&image);
		return -1;
	}
	/* One of several tags: only that name goes, as docker's rmi does. */
	for (int i = 0; i < image.ntags && image.ntags > 1; i++)
		if (strcmp(image.tags[i], tag) == 0) {
			r = store_untag(&image, tag, &err);
			if (r == 0)
				printf("Untagged: %s\n", tag);
			goto out;
		}
	{
		struct users users = { .image = &image, .config = calloc(1, sizeof(*users.config)) };

		if (users.config == NULL)
			die_errno(NULL, "calloc");
		container_each(note_user, &users);
		config_free(users.config);
		free(users.config);
		if (users.id[0]) {
			fprintf(stderr, "Error response from daemon: conflict: unable to remove "
				"repository reference \"%s\" (must force) - container %s is using its "
				"referenced image %.12s\n", name, users.id, image.id + 7);
			r = -1;
			goto out;
		}
	}
	r = store_remove(&image, &err);
	if (r == 0) {
		for (int i = 0; i < image.ntags; i++)
			printf("Untagged: %s\n", image.tags[i]);
		printf("Deleted: %s\n", image.id);
	}
out:
	store_close(lock);
	if (r == -1 && err.msg[0])
		error_print(&err);
	image_free(&image);
	return r;
}

int command_rmi(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		die("\"rmi\" requires at least 1 argument — usage: %s rmi IMAGE...", log_progname());
	for (int i = 1; i < argc; i++)
		if (remove_one(argv[i]) == -1)
			status = EXIT_COMMAND_FAILED;
	return status;
}

/* ---- history ---------------------------------------------------------------------- */

/* CREATED BY as docker shows it: cut to 45 characters with "…". */
static void cut(const char *text, char *out, size_t size)
{
	if (strlen(text) <= 45)
		snprintf(out, size, "%s", text);
	else
		snprintf(out, size, "%.44s…", text);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

static void history_builtin(const struct image *image, struct report_table *table)
{
	char id[IMAGE_DIGEST_LEN], by[300], text[300], size[32];
	const char *cells[5];

	file_id(image->file, id, sizeof(id));
	for (int i = image->nlayers - 1; i >= 0; i--) {
		char short_id[13];

		snprintf(short_id, sizeof(short_id), "%.12s", id + 7);
		snprintf(by, sizeof(by), "make rootfs: %s", image->layers[i]);
		cut(by, text, sizeof(text));
		human_size(store_tree_size(image->layers[i]), size, sizeof(size));
		cells[0] = i == image->nlayers - 1 ? short_id : "<missing>";
		cells[1] = "N/A", cells[2] = text, cells[3] = size, cells[4] = "";
		report_row(table, cells);
	}
}

/* A loaded image: its config's history, newest first; a non-empty step is the next layer. */
static int history_loaded(const struct image *image, struct report_table *table,
			  struct error *err)
{
	const struct json_value *root, *history = NULL;
	char path[PATH_MAX], short_id[13];
	int layer, r = -1;

	store_blob_path(image->config.digest, path, sizeof(path));
	if ((root = json_parse_file(path, NULL, err)) == NULL)
		return -1;
	if (json_get_array(root, "history", &history, err) < 0)
		goto out;
	snprintf(short_id, sizeof(short_id), "%.12s", image->id + 7);
	layer = image->nlayers;
	for (int i = history ? (int)history->count - 1 : -1; i >= 0; i--) {
		const struct json_value *step = &history->items[i];
		const char *created = NULL, *by = "", *comment = "";
		bool empty = false;
		char ago[80], text[300], size[32] = "0B";
		const char *cells[5];

		json_get_string(step, "created", &created, NULL);
		json_get_string(step, "created_by", &by, NULL);
		json_get_string(step, "comment", &comment, NULL);
		json_get_bool(step, "empty_layer", &empty, NULL);
		if (!empty && --layer >= 0)
			human_size(store_tree_size(image->layers[layer]), size, sizeof(size));
		created_ago(parse_time(created), ago, sizeof(ago));
		cut(by, text, sizeof(text));
		cells[0] = i == (int)history->count - 1 ? short_id : "<missing>";
		cells[1] = ago, cells[2] = text, cells[3] = size, cells[4] = comment;
		report_row(table, cells);
	}
	r = 0;
out:
	json_free(root);
	return r;
}

int command_history(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 5 };
	static const char *header[] = { "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT" };
	struct image image;
	struct error err;
	int r;

	if (argc != 2)
		die("\"history\" requires exactly 1 argument — usage: %s history IMAGE", log_progname());
	open_or_die(argv[1], &image);
	report_row(&table, header);
	if (image.builtin) {
		history_builtin(&image, &table);
		r = 0;
	} else {
		r = history_loaded(&image, &table, &err);
	}
	image_free(&image);
	if (r == -1)
		error_die(&err);
	report_print(&table, stdout);
	return 0;
}
