/*
 * json-check — lib/base/json seen from outside, for tests/json.bats and for
 * a student who wants to know what our reader makes of a file.
 *
 *   build/json-check [LIMITS] [FILE]                 the whole document
 *   build/json-check [LIMITS] --get TYPE PATH [FILE] one member, checked
 *
 * LIMITS: --max-depth N, --max-size N, --max-values N (0: the default).
 * FILE absent or "-": standard input.
 *
 * The document comes out as one line per leaf, in document order, with its
 * path, the way the errors name places:
 *
 *   process.args[0] = "sh"
 *   linux.resources.memory.limit = 9223372036854771712
 *   process.env = []
 *
 * Integers print exactly, other numbers as the shortest text that reads
 * back as the same double (1e3 as 1000), strings as JSON (json_write_string); "." is the
 * root. --get walks PATH (keys and item numbers between dots: process.args.2)
 * and reads the last step with json_get_TYPE (TYPE: string, bool, int64,
 * uint64, double, array, object; an array or object prints its count).
 *
 * Exit status: 0; 1 and the reader's one-line error on stderr; 2 for a
 * usage error.
 */
#include "base/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: json-check [--max-depth N] [--max-size N] [--max-values N]"
	                " [--get TYPE PATH] [FILE]\n");
	exit(2);
}

static size_t number_arg(const char *s)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || *s == '-')
		usage();
	return (size_t)n;
}

/* Standard input, up to one byte past the limit (json_parse reports that). */
static const struct json_value *parse_stdin(const struct json_limits *limits, struct error *err)
{
	size_t max = limits->max_size ? limits->max_size : JSON_MAX_SIZE, len = 0;
	char *text = malloc(max + 1);
	const struct json_value *root;

	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "<stdin>: out of memory");
		return NULL;
	}
	len = fread(text, 1, max + 1, stdin);
	if (ferror(stdin)) {
		snprintf(err->msg, sizeof(err->msg), "<stdin>: read: %s", strerror(errno));
		free(text);
		return NULL;
	}
	root = json_parse(text, len, "<stdin>", limits, err);
	free(text);
	return root;
}

/* A whole number as one (1e3: 1000), else the shortest %g that reads back as d. */
static void print_double(double d)
{
	char text[40];

	if (d > -1e17 && d < 1e17 && d == (double)(int64_t)d) {
		printf("%.0f", d);
		return;
	}
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(text, sizeof(text), "%.*g", precision, d);
		if (strtod(text, NULL) == d)
			break;
	}
	fputs(text, stdout);
}

static void print_leaf(const struct json_value *v)
{
	char path[256];

	json_path(v, path, sizeof(path));
	printf("%s = ", *path ? path : ".");
	switch (v->type) {
	case JSON_NULL: fputs("null", stdout); break;
	case JSON_BOOL: fputs(v->boolean ? "true" : "false", stdout); break;
	case JSON_STRING: json_write_string(stdout, v->string); break;
	case JSON_ARRAY: fputs("[]", stdout); break;
	case JSON_OBJECT: fputs("{}", stdout); break;
	case JSON_NUMBER:
		if (v->is_int64)
			printf("%" PRId64, v->i64);
		else if (v->is_uint64)
			printf("%" PRIu64, v->u64);
		else
			print_double(v->number);
		break;
	}
	putchar('\n');
}

/*
 * Every leaf, in document order, without recursion (a document may be as
 * deep as --max-depth allows): go down to the first item while there is
 * one, else print, then on to the next sibling, climbing up while there
 * is none. The parent pointers make the way back up.
 */
static void dump(const struct json_value *v)
{
	for (;;) {
		if ((v->type == JSON_ARRAY || v->type == JSON_OBJECT) && v->count) {
			v = &v->items[0];
			continue;
		}
		print_leaf(v);
		while (v->parent && v == &v->parent->items[v->parent->count - 1])
			v = v->parent;
		if (!v->parent)
			return;
		v++;
	}
}

/* What --get read, whichever its type. */
struct result {
	const char *s;
	bool b;
	int64_t i64;
	uint64_t u64;
	double d;
	const struct json_value *v; /* an array or an object */
};

/* The member KEY of OBJ, through the getter of TYPE: 0, 1 (missing), -1. */
static int get_member(const struct json_value *obj, const char *key, const char *type,
                      struct result *r, struct error *err)
{
	switch (type[0] == 'u' ? 'u' : type[0] == 'o' ? 'o' : type[0]) {
	case 's': return json_get_string(obj, key, &r->s, err);
	case 'b': return json_get_bool(obj, key, &r->b, err);
	case 'i': return json_get_int64(obj, key, &r->i64, err);
	case 'u': return json_get_uint64(obj, key, &r->u64, err);
	case 'd': return json_get_double(obj, key, &r->d, err);
	case 'a': return json_get_array(obj, key, &r->v, err);
	default: return json_get_object(obj, key, &r->v, err);
	}
}

/* An array's item, through json_as_TYPE (or json_expect): 0 or -1. */
static int get_item(const struct json_value *v, const char *type, struct result *r,
                    struct error *err)
{
	r->v = v;
	switch (type[0]) {
	case 's': return json_as_string(v, &r->s, err);
	case 'b': return json_as_bool(v, &r->b, err);
	case 'i': return json_as_int64(v, &r->i64, err);
	case 'u': return json_as_uint64(v, &r->u64, err);
	case 'd': return json_as_double(v, &r->d, err);
	case 'a': return json_expect(v, JSON_ARRAY, err);
	default: return json_expect(v, JSON_OBJECT, err);
	}
}

static void print_result(const char *type, const struct result *r)
{
	switch (type[0]) {
	case 's': json_write_string(stdout, r->s); break;
	case 'b': fputs(r->b ? "true" : "false", stdout); break;
	case 'i': printf("%" PRId64, r->i64); break;
	case 'u': printf("%" PRIu64, r->u64); break;
	case 'd': print_double(r->d); break;
	default: printf("%zu", r->v->count); break;
	}
	putchar('\n');
}

/*
 * --get TYPE PATH: follow PATH's steps (a number steps into an array), the
 * last one through the typed getter. 0 and the value printed, or 1 and *err.
 */
static int get(const struct json_value *v, const char *type, char *path, struct error *err)
{
	struct result r = { 0 };

	if (strspn(path, ".") == strlen(path) && get_item(v, type, &r, err) < 0)
		return 1; /* "." : the root itself */
	for (char *step = strtok(path, "."), *next; step; step = next) {
		char *end;
		unsigned long i = strtoul(step, &end, 10);

		next = strtok(NULL, ".");
		if (v->type == JSON_ARRAY && !*end) {
			if (i >= v->count)
				return json_errorf(err, v, "has no item %lu", i), 1;
			v = &v->items[i];
			if (!next && get_item(v, type, &r, err) < 0)
				return 1;
		} else if (next) {
			/* On the way: any member, its type checked by the next step. */
			const struct json_value *m = json_get(v, step);

			if (!m || m->type == JSON_NULL)
				return get_member(v, step, "object", &r, err), 1;
			v = m;
		} else if (get_member(v, step, type, &r, err) != 0) {
			return 1;
		}
	}
	print_result(type, &r);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const types[] = { "string", "bool", "int64", "uint64", "double", "array", "object" };
	struct json_limits limits = { 0 };
	struct error err = { .msg = "" };
	const struct json_value *root;
	const char *type = NULL, *file = NULL;
	char *path = NULL;
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--max-depth"))
			limits.max_depth = number_arg(argv[++i]);
		else if (!strcmp(argv[i], "--max-size"))
			limits.max_size = number_arg(argv[++i]);
		else if (!strcmp(argv[i], "--max-values"))
			limits.max_values = number_arg(argv[++i]);
		else if (!strcmp(argv[i], "--get") && i + 2 < argc)
			type = argv[i + 1], path = argv[i + 2], i += 2;
		else
			usage();
	}
	if (i < argc)
		file = argv[i++];
	if (i < argc)
		usage();
	if (type) {
		size_t t = 0;

		while (t < sizeof(types) / sizeof(types[0]) && strcmp(type, types[t]))
			t++;
		if (t == sizeof(types) / sizeof(types[0]) || !*path)
			usage();
	}
	root = !file || !strcmp(file, "-") ? parse_stdin(&limits, &err)
	                                   : json_parse_file(file, &limits, &err);
	if (!root)
		rc = 1;
	else if (type)
		rc = get(root, type, path, &err);
	else
		dump(root);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	json_free(root);
	return rc;
}
