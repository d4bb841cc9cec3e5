/*
 * load — an image archive into the store: see load.h for the three steps.
 */
#define _GNU_SOURCE
#include "frontend/load.h"
#include "base/json.h"
#include "base/log.h"
#include "frontend/image.h"
#include "frontend/layer.h"
#include "frontend/sha256.h"
#include "frontend/store.h"
#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define LOAD_MAX_IMAGES 16
#define LOAD_MAX_INDEX_DEPTH 4      /* an index of indexes of ...: docker's is 2 deep */

struct loading {
	const char *store;
	char work[PATH_MAX];         /* <store>/load.tmp-XXXXXX */
	int root;                    /* the archive's top directory */
	struct image *images;        /* LOAD_MAX_IMAGES of them */
	int nimages;
	unsigned long nblobs;        /* temporary names in work/ */
	int archive_tags[LOAD_MAX_IMAGES];   /* how many of each one's tags the archive gave */
};

/* ---- step 2: paths of the archive, opened inside it ------------------------------ */

static bool is_hex64(const char *s, size_t len)
{
	return len == 64 && strspn(s, "0123456789abcdef") >= 64;
}

/* "sha256:<64 hex>" and nothing else: the only way an OCI blob is named. */
static int check_digest(const char *what, const char *digest, struct error *err)
{
	if (strncmp(digest, "sha256:", 7) != 0 || !is_hex64(digest + 7, strlen(digest + 7)))
		return error_set(err, "%s: digest %s: not sha256:<64 hex digits>", what,
				 quote(digest));
	return 0;
}

/*
 * Open the archive's member `path` for reading: a relative path with no
 * "..", resolved by the kernel inside the archive's directory, so that a
 * symlink the archive made (docker's old form links repeated layers)
 * leads to a member too, never out. A regular file only: a FIFO would
 * block, a device would be the host's.
 */
static int open_member(struct loading *l, const char *what, const char *path,
		       struct error *err)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	char copy[PATH_MAX], *part, *save;
	struct stat st;
	int fd;

	if (path[0] == '\0' || path[0] == '/' || strlen(path) >= sizeof(copy))
		return error_set(err, "%s %s: outside the archive", what, quote(path));
	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save))
		if (strcmp(part, "..") == 0)
			return error_set(err, "%s %s: outside the archive", what, quote(path));
	fd = syscall(SYS_openat2, l->root, path, &how, sizeof(how));
	if (fd == -1 && errno == ENOSYS)
		/* Linux < 5.6: no symlink at all, rather than one we cannot contain. */
		fd = openat(l->root, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd == -1)
		return error_set(err, "%s %s: %s", what, quote(path),
				 errno == ENOENT ? "not in the archive" : strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, "%s %s: not a regular file", what, quote(path));
	}
	return fd;
}

/* A JSON file of the archive (manifest.json, index.json), parsed. */
static const struct json_value *read_json_member(struct loading *l, const char *what,
						 const char *path, struct error *err)
{
	const struct json_value *root;
	char *text = malloc(JSON_MAX_SIZE + 1);
	ssize_t n;
	size_t len = 0;
	int fd = open_member(l, what, path, err);

	if (fd == -1 || text == NULL) {
		if (fd >= 0)
			error_set(err, "%s: out of memory", path), close(fd);
		free(text);
		return NULL;
	}
	while ((n = read(fd, text + len, JSON_MAX_SIZE + 1 - len)) > 0 && len + n <= JSON_MAX_SIZE)
		len += n;
	close(fd);
	if (n != 0) {
		error_set(err, "%s: %s", path, n < 0 ? strerror(errno) : "larger than 4 MiB");
		free(text);
		return NULL;
	}
	root = json_parse(text, len, path, NULL, err);
	free(text);
	return root;
}

/*
 * Copy a blob out of the archive into work/, computing its SHA-256 as it
 * goes: what is checked is exactly what is then unpacked and kept. `want`
 * (may be NULL: any) is the digest it must have, `want_size` (-1: any) its
 * size. Its copy is work/blob-<hex>; *blob says its digest and size.
 */
static int take_blob(struct loading *l, const char *what, const char *path, const char *want,
		     int64_t want_size, struct image_blob *blob, char *copy, size_t size,
		     struct error *err)
{
	char tmp[PATH_MAX], hex[SHA256_HEX_SIZE];
	unsigned char buf[65536], digest[SHA256_DIGEST_SIZE];
	struct sha256 s;
	uint64_t total = 0;
	ssize_t n = 0;
	int in, out;

	if ((in = open_member(l, what, path, err)) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "%.4000s/blob.%lu", l->work, l->nblobs++);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1) {
		close(in);
		return error_errno(err, "create %s", quote(tmp));
	}
	sha256_init(&s);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		sha256_update(&s, buf, (size_t)n);
		total += (uint64_t)n;
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	close(in);
	if (close(out) == -1 || n < 0)
		return error_errno(err, "%s %s: copying it", what, quote(path));
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	snprintf(blob->digest, sizeof(blob->digest), "sha256:%s", hex);
	blob->size = total;
	if (want && strcmp(want, blob->digest) != 0)
		return error_set(err, "%s %s: digest mismatch: its content is %.19s…, not %.19s…",
				 what, quote(path), blob->digest, want);
	if (want_size >= 0 && (uint64_t)want_size != total)
		return error_set(err, "%s %s: size mismatch: %" PRIu64 " bytes, not %" PRId64, what,
				 quote(path), total, want_size);
	snprintf(copy, size, "%.4000s/blob-%s", l->work, hex);
	if (rename(tmp, copy) == -1)
		return error_errno(err, "rename %s", quote(tmp));
	return 0;
}

/* ---- an image's config ------------------------------------------------------------ */

/* Append the strings of array `key` of obj (a missing or null one: none). */
static int string_list(const struct json_value *obj, const char *key, char **list, int *count,
		       const char *what, struct error *err)
{
	const struct json_value *array;
	const char *s;
	int r = json_get_array(obj, key, &array, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	for (size_t i = 0; i < array->count; i++)
		if (json_as_string(&array->items[i], &s, err) == -1 ||
		    image_add(list, count, IMAGE_MAX_WORDS, s, what, err) == -1)
			return -1;
	return 0;
}

static int optional_string(const struct json_value *obj, const char *key, char **field,
			   struct error *err)
{
	const char *s;
	int r = json_get_string(obj, key, &s, err);

	if (r < 0)
		return -1;
	if (r == 0 && s[0] && config_set(field, s) == -1)
		return error_errno(err, "%s", key);
	return 0;
}

/*
 * The config blob (the OCI image config, which docker's is too): the
 * defaults of `run` from its "config", its date, and the diff id of each
 * layer, which the unpacked layers must match.
 */
static int read_config(const char *copy, struct image *image, int nlayers, struct error *err)
{
	const struct json_value *root = json_parse_file(copy, NULL, err), *config = NULL,
				*rootfs = NULL, *ids = NULL, *ports = NULL;
	const char *created = NULL, *id;
	int r = -1;

	if (root == NULL)
		return -1;
	if (json_expect(root, JSON_OBJECT, err) == -1 ||
	    json_get_string(root, "created", &created, err) < 0 ||
	    json_get_object(root, "rootfs", &rootfs, err) != 0 ||
	    json_get_array(rootfs, "diff_ids", &ids, err) != 0)
		goto out;
	if (created)
		snprintf(image->created, sizeof(image->created), "%s", created);
	if ((int)ids->count != nlayers) {
		error_set(err, "config %.19s…: %zu diff ids for %d layers", image->id, ids->count,
			  nlayers);
		goto out;
	}
	for (size_t i = 0; i < ids->count; i++) {
		if (json_as_string(&ids->items[i], &id, err) == -1 ||
		    check_digest("config: rootfs.diff_ids", id, err) == -1)
			goto out;
		snprintf(image->diff_ids[i], IMAGE_DIGEST_LEN, "%s", id);
	}
	if (json_get_object(root, "config", &config, err) < 0)
		goto out;
	if (config) {
		if (string_list(config, "Entrypoint", image->entrypoint, &image->nentrypoint,
				"Entrypoint words", err) == -1 ||
		    string_list(config, "Cmd", image->cmd, &image->ncmd, "Cmd words", err) == -1 ||
		    string_list(config, "Env", image->env, &image->nenv, "Env variables", err) == -1 ||
		    optional_string(config, "WorkingDir", &image->workdir, err) == -1 ||
		    optional_string(config, "User", &image->user, err) == -1 ||
		    json_get_object(config, "ExposedPorts", &ports, err) < 0)
			goto out;
		for (size_t i = 0; ports && i < ports->count; i++)
			if (image_add(image->expose, &image->nexpose, IMAGE_MAX_WORDS,
				      ports->items[i].key, "ExposedPorts", err) == -1)
				goto out;
	}
	r = 0;
out:
	json_free(root);
	return r;
}

/* ---- layers: unpacked in work/, checked against their diff id ---------------------- */

static int unpack_layer(struct loading *l, struct image *image, int i, const char *what,
			const char *copy, struct error *err)
{
	struct layer_options opts = { .userxattr = geteuid() != 0 };
	struct layer_report report;
	char dest[PATH_MAX];
	const char *hex = image->diff_ids[i] + 7;
	struct stat st;

	/* Unpacked already: by an earlier load, or for an earlier image of this one. */
	if (stat(store_layer_dir(image->diff_ids[i]), &st) == 0) {
		image->size += store_tree_size(store_layer_dir(image->diff_ids[i]));
		return 0;
	}
	snprintf(dest, sizeof(dest), "%.4000s/layer-%s", l->work, hex);
	if (stat(dest, &st) == 0) {
		image->size += store_tree_size(dest);
		return 0;
	}
	if (layer_unpack_file(copy, dest, &opts, &report, err) == -1) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return error_set(err, "%s: %s", what, why);
	}
	if (strcmp(report.diff_id, image->diff_ids[i]) != 0) {
		struct error ignored;

		layer_remove(dest, &ignored);
		return error_set(err, "%s: diff id mismatch: its tar stream is %.19s…, the config "
				 "says %.19s…", what, report.diff_id, image->diff_ids[i]);
	}
	if (report.devices_skipped)
		warn("%s: %lu device node(s) skipped: only root may make them", what,
		     report.devices_skipped);
	image->size += store_tree_size(dest);
	return 0;
}

/* A new image of this load, or an error when the archive has too many. */
static struct image *new_image(struct loading *l, struct error *err)
{
	if (l->nimages == LOAD_MAX_IMAGES) {
		error_set(err, "more than %d images in one archive", LOAD_MAX_IMAGES);
		return NULL;
	}
	return &l->images[l->nimages++];
}

static int add_tag(struct image *image, const char *name, struct error *err)
{
	char tag[256];

	image_normalize(name, tag, sizeof(tag));
	for (int i = 0; i < image->ntags; i++)
		if (strcmp(image->tags[i], tag) == 0)
			return 0;
	return image_add(image->tags, &image->ntags, IMAGE_MAX_TAGS, tag, "tags", err);
}

/* ---- docker save: manifest.json ----------------------------------------------------- */

/* "blobs/sha256/<hex>" or "<hex>.json": the name says what the digest must be. */
static const char *digest_from_name(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (strncmp(path, "blobs/sha256/", 13) == 0 && base == path + 13 &&
	    is_hex64(base, strlen(base)))
		;
	else if (!(strlen(base) == 64 + 5 && strcmp(base + 64, ".json") == 0 && is_hex64(base, 64)))
		return NULL;
	snprintf(out, size, "sha256:%.64s", base);
	return out;
}

static int load_docker(struct loading *l, struct error *err)
{
	const struct json_value *root = read_json_member(l, "manifest.json", "manifest.json", err);
	int r = -1;

	if (root == NULL || json_expect(root, JSON_ARRAY, err) == -1)
		goto out;
	for (size_t m = 0; m < root->count; m++) {
		const struct json_value *entry = &root->items[m], *tags = NULL, *layers = NULL;
		const char *config_path, *path;
		char what[96], copy[PATH_MAX], want[IMAGE_DIGEST_LEN];
		struct image *image = new_image(l, err);

		if (image == NULL || json_get_string(entry, "Config", &config_path, err) != 0 ||
		    json_get_array(entry, "Layers", &layers, err) != 0 ||
		    json_get_array(entry, "RepoTags", &tags, err) < 0)
			goto out;
		if (layers->count > MAX_LAYERS + 1) {
			error_set(err, "manifest.json: [%zu]: %zu layers, at most %d", m, layers->count,
				  MAX_LAYERS + 1);
			goto out;
		}
		snprintf(what, sizeof(what), "manifest.json: [%zu].Config", m);
		if (take_blob(l, what, config_path, digest_from_name(config_path, want, sizeof(want)),
			      -1, &image->config, copy, sizeof(copy), err) == -1)
			goto out;
		snprintf(image->id, sizeof(image->id), "%s", image->config.digest);
		if (read_config(copy, image, (int)layers->count, err) == -1)
			goto out;
		for (size_t i = 0; tags && i < tags->count; i++)
			if (json_as_string(&tags->items[i], &path, err) == -1 ||
			    add_tag(image, path, err) == -1)
				goto out;
		for (size_t i = 0; i < layers->count; i++) {
			snprintf(what, sizeof(what), "manifest.json: [%zu].Layers[%zu]", m, i);
			if (json_as_string(&layers->items[i], &path, err) == -1 ||
			    take_blob(l, what, path, digest_from_name(path, want, sizeof(want)), -1,
				      &image->blobs[i], copy, sizeof(copy), err) == -1 ||
			    unpack_layer(l, image, (int)i, what, copy, err) == -1)
				goto out;
			image->nlayers++;
		}
	}
	r = 0;
out:
	json_free(root);
	return r;
}

/* ---- an OCI layout: index.json, manifests, blobs by digest -------------------------- */

/* A descriptor's blob: its digest checked, its path made from it, its size compared. */
static int take_descriptor(struct loading *l, const char *what, const struct json_value *desc,
			   struct image_blob *blob, char *copy, size_t size, struct error *err)
{
	const char *digest;
	int64_t want_size = -1;
	char path[128];

	if (json_get_string(desc, "digest", &digest, err) != 0 ||
	    json_get_int64(desc, "size", &want_size, err) < 0 ||
	    check_digest(what, digest, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	return take_blob(l, what, path, digest, want_size, blob, copy, size, err);
}

/* linux/amd64, linux/arm64...: GOARCH's names for uname's. */
static const char *our_arch(void)
{
	static struct utsname u;

	if (uname(&u) == -1)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

/* Is this descriptor of an index for us? No platform: yes (a one-platform layout). */
static bool for_us(const struct json_value *desc)
{
	const struct json_value *platform;
	const char *os = NULL, *arch = NULL;

	if (json_get_object(desc, "platform", &platform, NULL) != 0)
		return true;
	json_get_string(platform, "os", &os, NULL);
	json_get_string(platform, "architecture", &arch, NULL);
	return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, our_arch()) == 0;
}

/*
 * Follow descriptor `desc` down to an image manifest: an index (docker's
 * index.json points to one, with an attestation beside the image) gives
 * the manifest for linux and our architecture. Then the config and the
 * layers of that manifest.
 */
static int load_manifest(struct loading *l, struct image *image, const struct json_value *desc,
			 int depth, struct error *err)
{
	const struct json_value *doc, *manifests = NULL, *config = NULL, *layers = NULL;
	struct image_blob blob;
	char copy[PATH_MAX], what[96];
	int r = -1;

	if (depth > LOAD_MAX_INDEX_DEPTH)
		return error_set(err, "index.json: indexes nested more than %d deep",
				 LOAD_MAX_INDEX_DEPTH);
	if (take_descriptor(l, "index.json: a manifest", desc, &blob, copy, sizeof(copy), err) == -1 ||
	    (doc = json_parse_file(copy, NULL, err)) == NULL)
		return -1;
	if (json_get_array(doc, "manifests", &manifests, err) == 0) {
		const struct json_value *chosen = NULL;

		for (size_t i = 0; i < manifests->count && !chosen; i++)
			if (for_us(&manifests->items[i]))
				chosen = &manifests->items[i];
		if (chosen == NULL)
			error_set(err, "index %.19s…: no image for linux/%s", blob.digest, our_arch());
		else
			r = load_manifest(l, image, chosen, depth + 1, err);
		goto out;
	}
	if (json_get_object(doc, "config", &config, err) != 0 ||
	    json_get_array(doc, "layers", &layers, err) != 0)
		goto out;
	if (layers->count > MAX_LAYERS + 1) {
		error_set(err, "manifest %.19s…: %zu layers, at most %d", blob.digest, layers->count,
			  MAX_LAYERS + 1);
		goto out;
	}
	if (take_descriptor(l, "manifest: config", config, &image->config, copy, sizeof(copy),
			    err) == -1)
		goto out;
	snprintf(image->id, sizeof(image->id), "%s", image->config.digest);
	if (read_config(copy, image, (int)layers->count, err) == -1)
		goto out;
	for (size_t i = 0; i < layers->count; i++) {
		snprintf(what, sizeof(what), "manifest: layers[%zu]", i);
		if (take_descriptor(l, what, &layers->items[i], &image->blobs[i], copy, sizeof(copy),
				    err) == -1 ||
		    unpack_layer(l, image, (int)i, what, copy, err) == -1)
			goto out;
		image->nlayers++;
	}
	r = 0;
out:
	json_free(doc);
	return r;
}

static int load_oci(struct loading *l, struct error *err)
{
	const struct json_value *root = read_json_member(l, "index.json", "index.json", err),
				*manifests = NULL;
	int r = -1;

	if (root == NULL || json_get_array(root, "manifests", &manifests, err) != 0)
		goto out;
	for (size_t i = 0; i < manifests->count; i++) {
		const struct json_value *desc = &manifests->items[i], *notes = NULL;
		const char *name = NULL;
		struct image *image = new_image(l, err);

		if (image == NULL || load_manifest(l, image, desc, 0, err) == -1)
			goto out;
		/* The name: containerd's full one, else the OCI ref name (skopeo's). */
		if (json_get_object(desc, "annotations", &notes, err) == 0 &&
		    ((json_get_string(notes, "io.containerd.image.name", &name, NULL) == 0) ||
		     (json_get_string(notes, "org.opencontainers.image.ref.name", &name, NULL) == 0)) &&
		    add_tag(image, name, err) == -1)
			goto out;
	}
	r = 0;
out:
	json_free(root);
	return r;
}

/* ---- step 3: into place ------------------------------------------------------------- */

/* Rename work/<prefix><hex> to its place in the store, unless it is there. */
static int move_into_store(struct loading *l, const char *prefix, const char *digest,
			   const char *to, struct error *err)
{
	char from[PATH_MAX];

	snprintf(from, sizeof(from), "%.4000s/%s%s", l->work, prefix, digest + 7);
	if (access(to, F_OK) == 0 || access(from, F_OK) == -1)
		return 0;
	if (rename(from, to) == -1)
		return error_errno(err, "rename %s to %s", quote(from), quote(to));
	return 0;
}

/* The same image loaded again (under another name, say): it keeps its names too. */
static int keep_old_tags(struct image *image, struct error *err)
{
	struct image old;
	int r = store_find(image->id, &old, err);

	if (r != 0) {                  /* none, or damaged: this one replaces it */
		image_free(&old);
		return 0;
	}
	for (int i = 0; r == 0 && i < old.ntags; i++)
		r = add_tag(image, old.tags[i], err);
	image_free(&old);
	return r;
}

static int commit(struct loading *l, FILE *out, struct error *err)
{
	char path[PATH_MAX];

	for (int n = 0; n < l->nimages; n++) {
		struct image *image = &l->images[n];

		l->archive_tags[n] = image->ntags;
		for (int i = 0; i < image->nlayers; i++) {
			store_blob_path(image->blobs[i].digest, path, sizeof(path));
			if (move_into_store(l, "layer-", image->diff_ids[i],
					    store_layer_dir(image->diff_ids[i]), err) == -1 ||
			    move_into_store(l, "blob-", image->blobs[i].digest, path, err) == -1)
				return -1;
		}
		store_blob_path(image->config.digest, path, sizeof(path));
		if (move_into_store(l, "blob-", image->config.digest, path, err) == -1 ||
		    keep_old_tags(image, err) == -1 || store_put(image, err) == -1)
			return -1;
	}
	for (int n = 0; n < l->nimages; n++) {
		for (int t = 0; t < l->archive_tags[n]; t++)
			fprintf(out, "Loaded image: %s\n", l->images[n].tags[t]);
		if (l->archive_tags[n] == 0)
			fprintf(out, "Loaded image ID: %s\n", l->images[n].id);
	}
	return 0;
}

/* ---- step 1: the archive, unpacked in work/ ------------------------------------------- */

/* stdin into work/input: a pipe cannot be read twice, the decompressor needs a file. */
static int save_stdin(struct loading *l, char *path, size_t size, struct error *err)
{
	char buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, size, "%.4000s/input", l->work);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		return error_errno(err, "create %s", quote(path));
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (close(fd) == -1 || n < 0)
		return error_errno(err, "reading stdin into %s", quote(path));
	return 0;
}

static int open_archive(struct loading *l, const char *input, struct error *err)
{
	char file[PATH_MAX], dir[PATH_MAX];
	struct layer_report report;
	struct stat st;

	if (strcmp(input, "-") == 0) {
		if (isatty(STDIN_FILENO))
			return error_set(err, "requested load from stdin, but stdin is empty");
		if (save_stdin(l, file, sizeof(file), err) == -1)
			return -1;
		input = file;
	} else if (stat(input, &st) == -1) {
		return error_errno(err, "open %s", quote(input));
	} else if (S_ISDIR(st.st_mode)) {
		/* An OCI layout as a directory: read in place, resolved inside it. */
		if ((l->root = open(input, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return error_errno(err, "open %s", quote(input));
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.4000s/archive", l->work);
	if (layer_unpack_file(input, dir, NULL, &report, err) == -1)
		return -1;
	if ((l->root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return error_errno(err, "open %s", quote(dir));
	return 0;
}

int load_images(const char *input, FILE *out, struct error *err)
{
	struct loading l = { .root = -1 };
	int lock = store_open(err), r = -1;

	if (lock == -1)
		return -1;
	l.store = store_dir();
	l.images = calloc(LOAD_MAX_IMAGES, sizeof(*l.images));
	snprintf(l.work, sizeof(l.work), "%.4000s/load.tmp-XXXXXX", l.store);
	if (l.images == NULL || mkdtemp(l.work) == NULL) {
		error_errno(err, "mkdtemp %s", quote(l.work));
		l.work[0] = '\0';
		goto out;
	}
	if (open_archive(&l, input, err) == -1)
		goto out;
	/* docker's manifest.json first: Docker >= 25 writes both, and it has the tags. */
	if (faccessat(l.root, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = load_docker(&l, err);
	else if (faccessat(l.root, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = load_oci(&l, err);
	else
		error_set(err, "neither manifest.json (docker save) nor index.json (an OCI layout) "
			  "in it");
	if (r == 0 && l.nimages == 0)
		r = error_set(err, "no image in it");
	if (r == 0)
		r = commit(&l, out, err);
out:
	if (r == -1) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		error_set(err, "load %s: %s", input, why);
	}
	if (l.root >= 0)
		close(l.root);
	if (l.work[0]) {
		struct error ignored;

		layer_remove(l.work, &ignored);
	}
	for (int i = 0; l.images && i < l.nimages; i++)
		image_free(&l.images[i]);
	free(l.images);
	store_close(lock);
	return r;
}
