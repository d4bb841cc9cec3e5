/*
 * save — a loaded image as Docker >= 25's archive: see save.h. A tar
 * writer of the plainest kind (ustar, regular files and two directories),
 * the manifests written by hand: the values are digests, sizes and tags.
 */
#define _GNU_SOURCE
#include "frontend/save.h"
#include "base/log.h"
#include "frontend/sha256.h"
#include "frontend/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct writer {
	int fd;
	struct error *err;
};

static int write_all(struct writer *w, const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = write(w->fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_errno(w->err, "write");
		p += n, size -= (size_t)n;
	}
	return 0;
}

/* A ustar header: name (< 100 bytes here), mode, size, type; checksum last. */
static int put_header(struct writer *w, const char *name, char type, uint64_t size)
{
	unsigned char h[512] = { 0 };
	unsigned sum = 0;

	if (strlen(name) >= 100 || size >= 077777777777ULL)
		return error_set(w->err, "save: %s: too long for a plain tar header", name);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011" PRIo64, size);
	snprintf((char *)h + 136, 12, "%011o", 0);   /* mtime 0: the same image, the same bytes */
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	return write_all(w, h, sizeof(h));
}

static int pad(struct writer *w, uint64_t size)
{
	static const char zeros[512];

	return size % 512 ? write_all(w, zeros, 512 - size % 512) : 0;
}

static int put_text(struct writer *w, const char *name, const char *text)
{
	size_t len = strlen(text);

	if (put_header(w, name, '0', len) == -1 || write_all(w, text, len) == -1)
		return -1;
	return pad(w, len);
}

/* A blob of the store, as blobs/sha256/<hex>. */
static int put_blob(struct writer *w, const char *digest)
{
	char path[PATH_MAX], name[100], buf[65536];
	struct stat st;
	uint64_t left;
	int fd;

	store_blob_path(digest, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		error_errno(w->err, "save: blob %s", quote(path));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(name, sizeof(name), "blobs/sha256/%.64s", digest + 7);
	if (put_header(w, name, '0', (uint64_t)st.st_size) == -1)
		goto fail;
	for (left = (uint64_t)st.st_size; left > 0;) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n <= 0) {
			error_set(w->err, "save: blob %s: %s", quote(path),
				  n < 0 ? strerror(errno) : "shorter than it was");
			goto fail;
		}
		if (write_all(w, buf, (size_t)n) == -1)
			goto fail;
		left -= (uint64_t)n;
	}
	close(fd);
	return pad(w, (uint64_t)st.st_size);
fail:
	close(fd);
	return -1;
}

/* The OCI media type of a layer blob, by its first bytes: what it is, not what it was called. */
static const char *layer_media_type(const char *digest)
{
	char path[PATH_MAX];
	unsigned char magic[4] = { 0 };
	int fd;

	store_blob_path(digest, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (read(fd, magic, sizeof(magic)) < 0)
			magic[0] = 0;
		close(fd);
	}
	if (magic[0] == 0x1f && magic[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

/* A string in a JSON document: a tag is plain ASCII, but say it right anyway. */
static void json_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	fputc('"', f);
}

static int write_archive(struct writer *w, const struct image *image)
{
	char *manifest = NULL, *index = NULL, *docker = NULL, hex[SHA256_HEX_SIZE];
	size_t mlen = 0, ilen = 0, dlen = 0;
	unsigned char digest[SHA256_DIGEST_SIZE];
	struct sha256 s;
	FILE *f;
	int r = -1;

	/* The manifest: config and layers by digest. */
	if ((f = open_memstream(&manifest, &mlen)) == NULL)
		return error_errno(w->err, "save: open_memstream");
	fprintf(f, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		   "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		   "\"digest\":\"%s\",\"size\":%" PRIu64 "},\"layers\":[",
		image->config.digest, image->config.size);
	for (int i = 0; i < image->nlayers; i++)
		fprintf(f, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%" PRIu64 "}",
			i ? "," : "", layer_media_type(image->blobs[i].digest), image->blobs[i].digest,
			image->blobs[i].size);
	fputs("]}", f);
	fclose(f);
	sha256_init(&s);
	sha256_update(&s, manifest, mlen);
	sha256_final(&s, digest);
	sha256_hex(digest, hex);

	/* index.json: that manifest, named as containerd names it (the full name). */
	if ((f = open_memstream(&index, &ilen)) == NULL)
		goto out;
	fprintf(f, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		   "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		   "\"digest\":\"sha256:%s\",\"size\":%zu", hex, mlen);
	if (image->ntags) {
		const char *colon = strrchr(image->tags[0], ':');

		fputs(",\"annotations\":{\"io.containerd.image.name\":", f);
		json_text(f, image->tags[0]);
		fputs(",\"org.opencontainers.image.ref.name\":", f);
		json_text(f, colon ? colon + 1 : "latest");
		fputc('}', f);
	}
	fputs("}]}", f);
	fclose(f);

	/* manifest.json: docker's own list, paths into the blobs. */
	if ((f = open_memstream(&docker, &dlen)) == NULL)
		goto out;
	fprintf(f, "[{\"Config\":\"blobs/sha256/%.64s\",\"RepoTags\":[", image->config.digest + 7);
	for (int i = 0; i < image->ntags; i++) {
		fputs(i ? "," : "", f);
		json_text(f, image->tags[i]);
	}
	fputs("],\"Layers\":[", f);
	for (int i = 0; i < image->nlayers; i++)
		fprintf(f, "%s\"blobs/sha256/%.64s\"", i ? "," : "", image->blobs[i].digest + 7);
	fputs("]}]\n", f);
	fclose(f);

	{
		char name[100];
		static const char end[1024];

		snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
		if (put_header(w, "blobs/", '5', 0) == -1 ||
		    put_header(w, "blobs/sha256/", '5', 0) == -1 ||
		    put_blob(w, image->config.digest) == -1)
			goto out;
		for (int i = 0; i < image->nlayers; i++) {
			bool again = false;

			/* Two layers of one blob (an empty layer, twice): one file. */
			for (int j = 0; j < i; j++)
				again |= strcmp(image->blobs[i].digest, image->blobs[j].digest) == 0;
			if (!again && put_blob(w, image->blobs[i].digest) == -1)
				goto out;
		}
		if (put_text(w, name, manifest) == -1 ||
		    put_text(w, "index.json", index) == -1 ||
		    put_text(w, "manifest.json", docker) == -1 ||
		    put_text(w, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}") == -1 ||
		    write_all(w, end, sizeof(end)) == -1)
			goto out;
	}
	r = 0;
out:
	free(manifest);
	free(index);
	free(docker);
	return r;
}

int save_image(const struct image *image, const char *output, struct error *err)
{
	struct writer w = { .fd = STDOUT_FILENO, .err = err };
	char tmp[PATH_MAX];

	if (image->builtin || image->config.digest[0] == '\0')
		return error_set(err, "save %s: a built-in image of stepbox (its layers are "
				 "directories of build/): only a loaded image can be saved",
				 quote(image->name));
	if (strcmp(output, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			return error_set(err, "cowardly refusing to save to a terminal. Use the -o flag "
					 "or redirect");
		return write_archive(&w, image);
	}
	snprintf(tmp, sizeof(tmp), "%.4000s.tmp-XXXXXX", output);
	if ((w.fd = mkstemp(tmp)) == -1)
		return error_errno(err, "save: create %s", quote(tmp));
	fchmod(w.fd, 0644);
	if (write_archive(&w, image) == -1) {
		close(w.fd);
		unlink(tmp);
		return -1;
	}
	if (fsync(w.fd) == -1 || close(w.fd) == -1) {
		error_errno(err, "save: write %s", quote(tmp));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, output) == -1) {
		unlink(tmp);
		return error_errno(err, "save: rename to %s", quote(output));
	}
	return 0;
}
