/*
 * unpack-layer — the test driver of lib/frontend/layer: one layer into a
 * new directory, the diff id on stdout.
 *
 *   unpack-layer [--userxattr] [--max-size BYTES] [--max-entries N] [--no-openat2] DEST [FILE]
 *       FILE (gzip and zstd are recognised) or stdin; prints "sha256:<hex>",
 *       or one error line and exits 1. --no-openat2 takes the path that
 *       kernels before 5.6 take: a component walk with O_NOFOLLOW.
 *   unpack-layer --sha256
 *       the SHA-256 of stdin in hex, as sha256sum prints it: checks our own
 *       implementation against the test vectors.
 */
#include "base/log.h"
#include "frontend/layer.h"
#include "frontend/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int print_sha256(void)
{
	struct sha256 s;
	unsigned char buf[65536], digest[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	ssize_t n;

	sha256_init(&s);
	while ((n = read(0, buf, sizeof(buf))) > 0)
		sha256_update(&s, buf, (size_t)n);
	if (n < 0)
		die_errno(NULL, "read stdin");
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	printf("%s\n", hex);
	return 0;
}

static unsigned long long number(const char *option, const char *value)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (errno || end == value || *end)
		die("%s %s: not a number", option, quote(value));
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: unpack-layer [--userxattr] [--max-size BYTES] [--max-entries N]"
			" [--no-openat2] DEST [FILE]\n"
			"       unpack-layer --sha256 < FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct layer_options opts = { 0 };
	struct layer_report report;
	struct error err;
	int i, r;

	log_init(argv[0]);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--sha256") == 0)
			return print_sha256();
		else if (strcmp(argv[i], "--userxattr") == 0)
			opts.userxattr = true;
		else if (strcmp(argv[i], "--no-openat2") == 0)
			opts.no_openat2 = true;
		else if (strcmp(argv[i], "--max-size") == 0 && i + 1 < argc)
			opts.max_size = number(argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--max-entries") == 0 && i + 1 < argc)
			opts.max_entries = number(argv[i], argv[i + 1]), i++;
		else
			usage();
	}
	if (argc - i < 1 || argc - i > 2)
		usage();
	if (argc - i == 2)
		r = layer_unpack_file(argv[i + 1], argv[i], &opts, &report, &err);
	else
		r = layer_unpack(0, argv[i], &opts, &report, &err);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", log_progname(), err.msg);
		return 1;
	}
	/* The counts the front end will print as one warning line each. */
	if (report.devices_skipped)
		fprintf(stderr, "%s: warning: %lu device nodes skipped (not root)\n",
			log_progname(), report.devices_skipped);
	if (report.xattrs_skipped)
		fprintf(stderr, "%s: warning: %lu xattrs not restored (not root, or the filesystem"
			" does not take them)\n", log_progname(), report.xattrs_skipped);
	printf("%s\n", report.diff_id);
	return 0;
}
