/*
 * json-fuzz — throw broken JSON at lib/base/json, to find what breaks it.
 *
 *   build/json-fuzz [-n COUNT] [-s SEED] FILE...
 *
 * Makes COUNT inputs from the FILEs (valid documents) by random mutations —
 * flipped bits, bytes that matter to JSON, deleted, repeated or spliced
 * pieces, known troublemakers (\ud800, \u0000, 1e999, a BOM, [[[[) — and
 * reads each one. The same seed makes the same inputs, so a failure seen
 * once is seen again. Each input must either parse or be refused with one
 * line naming the input; one that parses is then used every way a caller
 * could: every value's path, every typed accessor, json_get() finding each
 * member again, and written back as JSON, which must read back to the very
 * same text. A broken promise abort()s.
 *
 * Built with -fsanitize=address,undefined (make asan, tests/json.bats), a
 * read past a buffer, a leak or undefined behaviour stops it with a report;
 * with -DJSON_CHUNK_SIZE=1 (as the Makefile builds it) every string and
 * array of the tree is a malloc() of its own, so one byte too far is seen.
 *
 * With libFuzzer instead (clang; no part of CI), this file's other entry:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DJSON_LIBFUZZER \
 *       -DJSON_CHUNK_SIZE=1 -Ilib \
 *       tests/tools/json-fuzz.c lib/base/json.c -o /tmp/json-libfuzzer
 *   /tmp/json-libfuzzer -max_total_time=300 CORPUS_DIR
 */
#define _GNU_SOURCE
#include "base/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "json-fuzz: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* A double that is no exact integer stays one when read back: 1.0, not 1. */
static void write_double(FILE *f, double d)
{
	char text[40];

	snprintf(text, sizeof(text), "%.17g", d);
	fprintf(f, "%s%s", text, strpbrk(text, ".e") ? "" : ".0");
}

/* The whole tree as compact JSON; without recursion, as json-check's dump. */
static void write_tree(FILE *f, const struct json_value *v)
{
	for (;;) {
		if (v->parent && v->parent->type == JSON_OBJECT) {
			json_write_string(f, v->key);
			fputc(':', f);
		}
		switch (v->type) {
		case JSON_NULL: fputs("null", f); break;
		case JSON_BOOL: fputs(v->boolean ? "true" : "false", f); break;
		case JSON_STRING: json_write_string(f, v->string); break;
		case JSON_NUMBER:
			if (v->is_int64)
				fprintf(f, "%" PRId64, v->i64);
			else if (v->is_uint64)
				fprintf(f, "%" PRIu64, v->u64);
			else
				write_double(f, v->number);
			break;
		case JSON_ARRAY:
		case JSON_OBJECT:
			fputc(v->type == JSON_ARRAY ? '[' : '{', f);
			if (v->count) {
				v = &v->items[0];
				continue;
			}
			fputc(v->type == JSON_ARRAY ? ']' : '}', f);
			break;
		}
		while (v->parent && v == &v->parent->items[v->parent->count - 1]) {
			v = v->parent;
			fputc(v->type == JSON_ARRAY ? ']' : '}', f);
		}
		if (!v->parent)
			return;
		fputc(',', f);
		v++;
	}
}

/* One value, used every way a caller could. */
static void use(const struct json_value *v)
{
	struct error err;
	char path[64];
	const char *s;
	bool b;
	int64_t i;
	uint64_t u;
	double d;

	json_path(v, path, sizeof(path));
	CHECK(strlen(path) < sizeof(path));
	CHECK((json_as_string(v, &s, &err) == 0) == (v->type == JSON_STRING));
	CHECK((json_as_bool(v, &b, &err) == 0) == (v->type == JSON_BOOL));
	CHECK((json_as_double(v, &d, &err) == 0) == (v->type == JSON_NUMBER));
	if (json_as_int64(v, &i, &err) == 0 && json_as_uint64(v, &u, &err) == 0)
		CHECK((uint64_t)i == u);
	CHECK(!strchr(err.msg, '\n'));
	if (v->parent) {
		CHECK(v >= v->parent->items && v < v->parent->items + v->parent->count);
		if (v->parent->type == JSON_OBJECT) {
			CHECK(json_get(v->parent, v->key) == v); /* no duplicate hides it */
			CHECK(json_get_string(v->parent, v->key, &s, &err) ==
			      (v->type == JSON_STRING ? 0 : v->type == JSON_NULL ? 1 : -1));
			CHECK(!strchr(err.msg, '\n'));
		}
	}
}

/* Read one input; every promise of json.h is checked. */
static int check_one(const char *text, size_t len, const struct json_limits *limits)
{
	struct error err = { .msg = "" }, err2 = { .msg = "" };
	const struct json_value *root = json_parse(text, len, "fuzz", limits, &err), *again, *v;
	char *out = NULL, *out2 = NULL;
	size_t n = 0, n2 = 0;
	FILE *f;

	if (!root) {
		CHECK(strncmp(err.msg, "fuzz:", 5) == 0 && !strchr(err.msg, '\n'));
		return 0;
	}
	/* Every value, in document order, as json-check walks them. */
	for (v = root;;) {
		use(v);
		if ((v->type == JSON_ARRAY || v->type == JSON_OBJECT) && v->count) {
			v = &v->items[0];
			continue;
		}
		while (v->parent && v == &v->parent->items[v->parent->count - 1])
			v = v->parent;
		if (!v->parent)
			break;
		v++;
	}
	/* Written out and read back, the tree must write the same text. */
	CHECK((f = open_memstream(&out, &n)) != NULL);
	write_tree(f, root);
	CHECK(fclose(f) == 0);
	again = json_parse(out, n, "again", limits, &err2);
	if (!again)
		fprintf(stderr, "json-fuzz: wrote %s\nand read back: %s\n", out, err2.msg);
	CHECK(again != NULL);
	CHECK((f = open_memstream(&out2, &n2)) != NULL);
	write_tree(f, again);
	CHECK(fclose(f) == 0);
	if (n != n2 || memcmp(out, out2, n) != 0)
		fprintf(stderr, "json-fuzz: wrote %s\nthen    %s\n", out, out2);
	CHECK(n == n2 && memcmp(out, out2, n) == 0);
	free(out);
	free(out2);
	json_free(again);
	json_free(root);
	return 1;
}

#ifdef JSON_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct json_limits small = { .max_depth = 32, .max_values = 2000 };

	check_one((const char *)data, size, size % 2 ? &small : NULL);
	return 0;
}
#else

/* xorshift64: the same SEED, the same inputs, on every machine. */
static uint64_t rng_state;
static size_t rnd(size_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (size_t)(rng_state % n) : 0;
}

#define MAX_INPUT (64 * 1024)

struct input {
	char *text;
	size_t len;
};

static const char *const troublemakers[] = {
	"\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0000", "\\u00e9", "1e999", "-0", "0.0e-0",
	"18446744073709551616", "-9223372036854775809", "9223372036854771712", "\xef\xbb\xbf",
	"[[[[[[[[", "]]]]", "{\"a\":1,\"a\":2}", "\"\\", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xe2\x82", "nul", "tru", ",]", ",}", "\"", "\t\n", "\x01", "/*", "0x1p3", "NaN",
};
static const char interesting[] = "{}[],:\"\\0-+.eEu \n\x7f\xff\xc3\x80";

/* Change in->text in place (it has room for MAX_INPUT bytes). */
static void mutate(struct input *in, const struct input *corpus, size_t ncorpus)
{
	size_t at = rnd(in->len + 1), n, room = MAX_INPUT - in->len;
	const char *piece;

	switch (rnd(7)) {
	case 0: /* flip a bit */
		if (in->len)
			in->text[rnd(in->len)] ^= (char)(1 << rnd(8));
		break;
	case 1: /* one byte that matters to JSON */
		if (in->len)
			in->text[rnd(in->len)] = interesting[rnd(sizeof(interesting) - 1)];
		break;
	case 2: /* delete a piece */
		n = rnd(in->len - at + 1);
		memmove(in->text + at, in->text + at + n, in->len - at - n);
		in->len -= n;
		break;
	case 3: /* repeat a piece */
		n = rnd(in->len - at + 1);
		n = n < room ? n : room;
		memmove(in->text + at + n, in->text + at, in->len - at);
		in->len += n;
		break;
	case 4: /* cut the end */
		in->len = at;
		break;
	case 5: /* insert a troublemaker */
		piece = troublemakers[rnd(sizeof(troublemakers) / sizeof(troublemakers[0]))];
		n = strlen(piece);
		if (n <= room) {
			memmove(in->text + at + n, in->text + at, in->len - at);
			memcpy(in->text + at, piece, n);
			in->len += n;
		}
		break;
	default: { /* the end of another document after this one's start */
		const struct input *other = &corpus[rnd(ncorpus)];
		size_t from = rnd(other->len + 1);

		n = other->len - from < MAX_INPUT - at ? other->len - from : MAX_INPUT - at;
		memcpy(in->text + at, other->text + from, n);
		in->len = at + n;
		break;
	}
	}
}

static int read_corpus_file(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");

	if (!f || !(in->text = malloc(MAX_INPUT))) {
		perror(path);
		return -1;
	}
	in->len = fread(in->text, 1, MAX_INPUT, f);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 1000, parsed = 0, ncorpus;
	uint64_t seed = 1;
	struct input *corpus, work;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		if (opt == 'n')
			count = strtoull(optarg, NULL, 10);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind == argc) {
		fprintf(stderr, "usage: json-fuzz [-n COUNT] [-s SEED] FILE...\n");
		return 2;
	}
	ncorpus = (size_t)(argc - optind);
	if (!(corpus = calloc(ncorpus, sizeof(*corpus))) || !(work.text = malloc(MAX_INPUT)))
		return perror("json-fuzz"), 1;
	for (size_t i = 0; i < ncorpus; i++)
		if (read_corpus_file(argv[optind + i], &corpus[i]) < 0)
			return 1;
	rng_state = seed * 0x9e3779b97f4a7c15u + 1; /* never 0: xorshift would stay 0 */
	for (size_t i = 0; i < count; i++) {
		const struct input *from = &corpus[rnd(ncorpus)];
		/* Small limits now and then, so their errors are taken too. */
		struct json_limits limits = { .max_depth = rnd(4) ? 0 : 1 + rnd(8),
		                              .max_values = rnd(4) ? 0 : 1 + rnd(64) };

		memcpy(work.text, from->text, from->len);
		work.len = from->len;
		for (size_t m = 1 + rnd(4); m > 0; m--)
			mutate(&work, corpus, ncorpus);
		parsed += check_one(work.text, work.len, &limits);
	}
	printf("json-fuzz: %zu inputs (seed %" PRIu64 "): %zu parsed, %zu refused\n", count, seed,
	       parsed, count - parsed);
	for (size_t i = 0; i < ncorpus; i++)
		free(corpus[i].text);
	free(corpus);
	free(work.text);
	return 0;
}
#endif
