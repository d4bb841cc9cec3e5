/*
 * tar — a streaming reader of ustar/POSIX tar archives.
 *
 * An archive is a row of 512-byte blocks: a header block per member, then
 * the member's data rounded up to 512 bytes, and at the end two blocks of
 * zeros. Newer formats added special members that describe the *next*
 * member: GNU 'L'/'K' (a long name or link target as data) and pax 'x'
 * ("LEN key=value\n" records that override the header's fields).
 */
#define _GNU_SOURCE
#include "frontend/tar.h"
#include "base/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 512

/* The ustar header: field offsets and lengths (POSIX pax, "ustar Interchange Format"). */
#define H_NAME     0, 100
#define H_MODE     100, 8
#define H_UID      108, 8
#define H_GID      116, 8
#define H_SIZE     124, 12
#define H_MTIME    136, 12
#define H_CHKSUM   148, 8
#define H_TYPE     156
#define H_LINK     157, 100
#define H_MAGIC    257
#define H_DEVMAJOR 329, 8
#define H_DEVMINOR 337, 8
#define H_PREFIX   345, 155

void tar_open(struct tar *t, int fd, struct sha256 *digest, uint64_t limit)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->digest = digest;
	t->limit = limit;
}

const char *tar_type_name(enum tar_type type)
{
	static const char *names[] = { "file", "directory", "symlink", "hard link",
				       "character device", "block device", "fifo" };

	return names[type];
}

/*
 * Every byte comes through here: it is hashed and counted. Returns the
 * bytes read, less than `size` only at the end of the stream.
 */
static ssize_t read_stream(struct tar *t, void *buf, size_t size, struct error *err)
{
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = read(t->fd, (char *)buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, "reading the archive: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (t->digest)
		sha256_update(t->digest, buf, done);
	t->bytes_read += done;
	if (t->limit && t->bytes_read > t->limit) {
		error_set(err, "the archive is larger than the limit of %" PRIu64
			 " bytes — raise it if the image is really that big", t->limit);
		return -1;
	}
	return (ssize_t)done;
}

/* Read and drop `size` bytes: data nobody asked for, and padding. */
static int skip_stream(struct tar *t, uint64_t size, struct error *err)
{
	char buf[16 * BLOCK];
	ssize_t n;

	while (size > 0) {
		n = read_stream(t, buf, size < sizeof(buf) ? size : sizeof(buf), err);
		if (n < 0)
			return -1;
		if (n == 0) {
			error_set(err, "member %s: the archive is truncated (%" PRIu64
				 " bytes of its data are missing)", quote(t->member.name), size);
			return -1;
		}
		size -= (uint64_t)n;
	}
	return 0;
}

/* For a message about a header: the member before it, if any. */
static const char *after(const struct tar *t)
{
	static char text[PATH_MAX];

	if (t->count == 0)
		return "at the archive's first header";
	snprintf(text, sizeof(text), "after member %s", quote(t->last));
	return text;
}

/* The padding after `size` bytes of data, up to the next block. */
static uint64_t padding_of(uint64_t size)
{
	return (BLOCK - size % BLOCK) % BLOCK;
}

/*
 * A number field: octal digits (with spaces or NULs around them), or, for
 * values too big for octal (GNU, star), base-256: the top bit of the first
 * byte set, the rest a big-endian binary number.
 */
static int parse_number(const unsigned char *h, size_t off, size_t len, uint64_t *value)
{
	const unsigned char *p = h + off, *end = h + off + len;
	uint64_t v = 0;

	if (*p & 0x80) {
		if (*p != 0x80)
			return -1;      /* negative, or more than 64 bits: nothing of ours */
		for (p++; p < end; p++) {
			if (v >> 56)
				return -1;
			v = v << 8 | *p;
		}
		*value = v;
		return 0;
	}
	while (p < end && *p == ' ')
		p++;
	for (; p < end && *p >= '0' && *p <= '7'; p++) {
		if (v >> 61)
			return -1;
		v = v << 3 | (uint64_t)(*p - '0');
	}
	if (p < end && *p != ' ' && *p != '\0')
		return -1;
	*value = v;
	return 0;
}

/* A string field: up to len bytes, NUL-terminated only if shorter. */
static void copy_field(char *dst, const unsigned char *h, size_t off, size_t len)
{
	size_t n = strnlen((const char *)h + off, len);

	memcpy(dst, h + off, n);
	dst[n] = '\0';
}

/*
 * The checksum is the sum of the header's bytes with the checksum field
 * itself counted as eight spaces. Old tars summed signed chars: accept both.
 */
static bool checksum_ok(const unsigned char *h)
{
	uint64_t stored;
	long sum_unsigned = 0, sum_signed = 0;
	int i;

	if (parse_number(h, H_CHKSUM, &stored) < 0)
		return false;
	for (i = 0; i < BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		sum_unsigned += c;
		sum_signed += (signed char)c;
	}
	return (long)stored == sum_unsigned || (long)stored == sum_signed;
}

static bool all_zero(const unsigned char *h)
{
	int i;

	for (i = 0; i < BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* A special member's data (a long name, pax records) into buf, NUL-terminated. */
static int read_small_data(struct tar *t, uint64_t size, char *buf, size_t buf_size,
			   const char *what, struct error *err)
{
	ssize_t n;

	if (size >= buf_size) {
		error_set(err, "%s: a %s of %" PRIu64 " bytes (the limit is %zu) — refused",
			 after(t), what, size, buf_size - 1);
		return -1;
	}
	n = read_stream(t, buf, size, err);
	if (n < 0)
		return -1;
	if ((uint64_t)n < size) {
		error_set(err, "%s: the archive is truncated in a %s", after(t), what);
		return -1;
	}
	buf[size] = '\0';
	return skip_stream(t, padding_of(size), err);
}

/* The fields a pax or GNU record set for the next member: they win over its header. */
struct overrides {
	bool name, link, size, uid, gid, mtime;
};

static int add_xattr(struct tar_member *m, const char *name, const char *value, size_t size)
{
	struct tar_xattr *x;

	if (m->nxattrs == TAR_MAX_XATTRS)
		return -1;
	x = &m->xattrs[m->nxattrs];
	x->name = strdup(name);
	x->value = malloc(size ? size : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -1;
	}
	memcpy(x->value, value, size);
	x->size = size;
	m->nxattrs++;
	return 0;
}

/*
 * pax records: "LEN key=value\n", LEN counting the whole record, so a value
 * may hold any byte (an xattr's binary value, a newline in a name).
 */
static int parse_pax(struct tar *t, char *data, size_t size, struct overrides *got,
		     struct error *err)
{
	struct tar_member *m = &t->member;
	size_t pos = 0;

	while (pos < size) {
		char *rec = data + pos, *key, *eq, *value, *end;
		unsigned long len = strtoul(rec, &key, 10);
		size_t value_size;

		if (key == rec || *key != ' ' || len <= (size_t)(key - rec) || len > size - pos)
			goto bad;
		key++;
		end = rec + len - 1;    /* the closing newline */
		eq = memchr(key, '=', (size_t)(end - key));
		if (*end != '\n' || eq == NULL)
			goto bad;
		*eq = '\0';
		*end = '\0';
		value = eq + 1;
		value_size = (size_t)(end - value);
		if (strcmp(key, "path") == 0 || strcmp(key, "linkpath") == 0) {
			bool is_path = key[0] == 'p';

			if (value_size >= PATH_MAX) {
				error_set(err, "%s: a pax %s of %zu bytes (the limit is %d) — refused",
					 after(t), key, value_size, PATH_MAX - 1);
				return -1;
			}
			memcpy(is_path ? m->name : m->link, value, value_size + 1);
			*(is_path ? &got->name : &got->link) = true;
		} else if (strcmp(key, "size") == 0) {
			m->size = strtoull(value, NULL, 10);
			got->size = true;
		} else if (strcmp(key, "uid") == 0) {
			m->uid = (uid_t)strtoul(value, NULL, 10);
			got->uid = true;
		} else if (strcmp(key, "gid") == 0) {
			m->gid = (gid_t)strtoul(value, NULL, 10);
			got->gid = true;
		} else if (strcmp(key, "mtime") == 0) {
			m->mtime = strtoll(value, NULL, 10);    /* the fraction is dropped */
			got->mtime = true;
		} else if (strncmp(key, "SCHILY.xattr.", 13) == 0) {
			if (add_xattr(m, key + 13, value, value_size) < 0) {
				error_set(err, "%s: more than %d xattrs, or out of memory",
					 after(t), TAR_MAX_XATTRS);
				return -1;
			}
		}
		/* Other keys (atime, uname, comments, ...) change nothing we unpack. */
		pos += len;
	}
	return 0;
bad:
	error_set(err, "%s: a malformed pax record", after(t));
	return -1;
}

/* The typeflag byte as our type; -1 for what we do not unpack. */
static int type_of(char flag, const char *name)
{
	switch (flag) {
	case '0': case '\0': case '7':
		/* Pre-POSIX tars marked a directory only by a trailing slash. */
		return name[0] && name[strlen(name) - 1] == '/' ? TAR_DIR : TAR_FILE;
	case '1': return TAR_HARDLINK;
	case '2': return TAR_SYMLINK;
	case '3': return TAR_CHAR;
	case '4': return TAR_BLOCK;
	case '5': return TAR_DIR;
	case '6': return TAR_FIFO;
	default: return -1;
	}
}

/* The header's own fields, where no pax or GNU record overrode them. */
static int fill_member(struct tar *t, const unsigned char *h, const struct overrides *got,
		       struct error *err)
{
	struct tar_member *m = &t->member;
	uint64_t mode, uid, gid, size, mtime, major, minor;
	int type;

	if (!got->name) {
		char prefix[156];

		/* ustar splits a long name: prefix "/" name (GNU tars use the
		 * prefix field for other things, and say so by their magic). */
		copy_field(prefix, h, H_PREFIX);
		copy_field(m->name, h, H_NAME);
		if (memcmp(h + H_MAGIC, "ustar\0", 6) == 0 && prefix[0]) {
			char joined[PATH_MAX];

			snprintf(joined, sizeof(joined), "%s/%s", prefix, m->name);
			memcpy(m->name, joined, sizeof(joined));
		}
	}
	if (!got->link)
		copy_field(m->link, h, H_LINK);
	if (parse_number(h, H_MODE, &mode) < 0 || parse_number(h, H_UID, &uid) < 0 ||
	    parse_number(h, H_GID, &gid) < 0 || parse_number(h, H_SIZE, &size) < 0 ||
	    parse_number(h, H_MTIME, &mtime) < 0 || parse_number(h, H_DEVMAJOR, &major) < 0 ||
	    parse_number(h, H_DEVMINOR, &minor) < 0) {
		error_set(err, "member %s: a number field of its header is not a number",
			 quote(m->name));
		return -1;
	}
	type = type_of((char)h[H_TYPE], m->name);
	if (type < 0) {
		error_set(err, "member %s: type '%c' is not supported (sparse, volume and"
			 " other GNU types are not unpacked)", quote(m->name), h[H_TYPE]);
		return -1;
	}
	m->type = (enum tar_type)type;
	m->mode = (mode_t)(mode & 07777);
	m->uid = got->uid ? m->uid : (uid_t)uid;
	m->gid = got->gid ? m->gid : (gid_t)gid;
	m->mtime = got->mtime ? m->mtime : (int64_t)mtime;
	m->size = got->size ? m->size : size;
	m->major = (unsigned int)major;
	m->minor = (unsigned int)minor;
	/* Only files carry data; links, directories and nodes are headers only
	 * (a hard link's size field may repeat its target's). */
	if (m->type != TAR_FILE)
		m->size = 0;
	return 0;
}

static void free_xattrs(struct tar_member *m)
{
	int i;

	for (i = 0; i < m->nxattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	m->nxattrs = 0;
}

int tar_next(struct tar *t, struct tar_member **member, struct error *err)
{
	struct overrides got = { 0 };
	unsigned char h[BLOCK];
	uint64_t size;
	ssize_t n;

	if (t->ended)
		return 0;
	/* What the caller left of the last member, then its padding. */
	if (skip_stream(t, t->data_left + t->padding, err) < 0)
		return -1;
	t->data_left = t->padding = 0;
	free_xattrs(&t->member);

	for (;;) {
		n = read_stream(t, h, BLOCK, err);
		if (n < 0)
			return -1;
		if (n < BLOCK) {
			error_set(err, "%s: the archive is truncated (it ends before its end-of-archive blocks)",
				 after(t));
			return -1;
		}
		/* The first zero block ends the archive; tar_finish reads the rest. */
		if (all_zero(h)) {
			t->ended = true;
			return 0;
		}
		if (!checksum_ok(h)) {
			error_set(err, "%s: a header with a wrong checksum — not a tar archive,"
				 " or a damaged one", after(t));
			return -1;
		}
		if (parse_number(h, H_SIZE, &size) < 0) {
			error_set(err, "%s: a header with a bad size field", after(t));
			return -1;
		}
		switch (h[H_TYPE]) {
		case 'L':       /* GNU: the next member's name, as data */
			if (read_small_data(t, size, t->member.name, PATH_MAX, "long name", err) < 0)
				return -1;
			got.name = true;
			continue;
		case 'K':       /* GNU: the next member's link target */
			if (read_small_data(t, size, t->member.link, PATH_MAX, "long link", err) < 0)
				return -1;
			got.link = true;
			continue;
		case 'x': {     /* pax: records for the next member */
			char *data;
			int r;

			if (size >= TAR_MAX_PAX) {
				error_set(err, "%s: a pax header of %" PRIu64 " bytes — refused",
					 after(t), size);
				return -1;
			}
			data = malloc(size + 1);
			if (!data) {
				error_set(err, "out of memory for a pax header");
				return -1;
			}
			r = read_small_data(t, size, data, size + 1, "pax header", err);
			if (r == 0)
				r = parse_pax(t, data, size, &got, err);
			free(data);
			if (r < 0)
				return -1;
			continue;
		}
		case 'g':       /* pax global records: nothing we unpack depends on them */
			if (skip_stream(t, size + padding_of(size), err) < 0)
				return -1;
			continue;
		}
		if (fill_member(t, h, &got, err) < 0)
			return -1;
		t->data_left = t->member.size;
		t->padding = padding_of(t->member.size);
		memcpy(t->last, t->member.name, sizeof(t->last));
		t->count++;
		*member = &t->member;
		return 1;
	}
}

ssize_t tar_read(struct tar *t, void *buf, size_t size, struct error *err)
{
	ssize_t n;

	if (size > t->data_left)
		size = (size_t)t->data_left;
	if (size == 0)
		return 0;
	n = read_stream(t, buf, size, err);
	if (n < 0)
		return -1;
	if ((size_t)n < size) {
		error_set(err, "member %s: the archive is truncated (%" PRIu64
			 " bytes of its data are missing)", quote(t->member.name), t->data_left - (uint64_t)n);
		return -1;
	}
	t->data_left -= (uint64_t)n;
	return n;
}

int tar_finish(struct tar *t, struct error *err)
{
	char buf[16 * BLOCK];
	ssize_t n;

	do
		n = read_stream(t, buf, sizeof(buf), err);
	while (n > 0);
	return n < 0 ? -1 : 0;
}

void tar_close(struct tar *t)
{
	free_xattrs(&t->member);
}
