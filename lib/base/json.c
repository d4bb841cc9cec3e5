/*
 * json — the reader, top to bottom: the arena, error messages, UTF-8, the
 * pieces of the grammar (strings, numbers, literals), the loop that puts
 * them into a tree, then the getters and the writer.
 */
#include "base/json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The arena: every value and string of a document, freed at once ---- */

/*
 * Values and strings are carved out of chunks of this size. A request
 * larger than a chunk gets a chunk of its own, of exactly its size; so with
 * -DJSON_CHUNK_SIZE=1 (the fuzz build) every one does, and AddressSanitizer
 * sees a write one byte past any string or array, which a shared chunk hides.
 */
#ifndef JSON_CHUNK_SIZE
#define JSON_CHUNK_SIZE (64 * 1024)
#endif

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[]; /* aligned for any value we put there */
};

struct json_doc {
	/*
	 * First, so that a pointer to the root is a pointer to its document:
	 * json_free() and the messages find the rest from the root alone.
	 */
	struct json_value root;
	const char *name;
	struct chunk *chunks;
};

static void *arena_alloc(struct json_doc *doc, size_t n)
{
	/* Each piece starts aligned for any type: round up what it takes. */
	size_t step = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct chunk *c = doc->chunks;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	if (!c || c->size - c->used < n) {
		size_t size = n > JSON_CHUNK_SIZE ? n : JSON_CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = doc->chunks;
		c->used = 0;
		c->size = size;
		doc->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += step < c->size - c->used ? step : c->size - c->used;
	return p;
}

void json_free(const struct json_value *root)
{
	struct json_doc *doc = (struct json_doc *)root;

	if (!doc)
		return;
	while (doc->chunks) {
		struct chunk *next = doc->chunks->next;

		free(doc->chunks);
		doc->chunks = next;
	}
	free(doc);
}

/* ---- The parser's state, and its one way to fail ---- */

struct parser {
	const char *p, *end;    /* the next byte to read; the end of the input */
	const char *line_start; /* where the current line starts, for columns */
	unsigned line;
	struct json_doc *doc;
	struct json_limits limits;
	size_t values;          /* values read so far, against limits.max_values */
	struct error *err;
	char what[16];          /* describe()'s answer */
	/*
	 * Values read but not yet in their array or object. The members of an
	 * open container pile up here above it, and move into the arena, in one
	 * piece, at its closing bracket. `open` holds, for each open container,
	 * its index in `stack`: this pair is the parser's recursion, on the heap.
	 */
	struct json_value *stack;
	size_t nstack, stack_cap;
	size_t *open;
	size_t nopen, open_cap;
};

static int error_at(struct parser *ps, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int error_at(struct parser *ps, unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err)
		return -1;
	n = snprintf(ps->err->msg, sizeof(ps->err->msg), "%s:%u:%u: ", ps->doc->name, line, column);
	if (n < 0 || (size_t)n >= sizeof(ps->err->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg + n, sizeof(ps->err->msg) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Tokens never span lines, so `at` is on the line the parser is on. */
#define fail(ps, at, ...) error_at((ps), (ps)->line, (unsigned)((at) - (ps)->line_start + 1), __VA_ARGS__)
#define out_of_memory(ps) fail((ps), (ps)->p, "out of memory")

/* The byte at `at`, for a message: 'x', byte 0xff, or the end of the input. */
static const char *describe(struct parser *ps, const char *at)
{
	unsigned char c;

	if (at >= ps->end)
		return "the end of the input";
	c = (unsigned char)*at;
	if (c > ' ' && c < 0x7f)
		snprintf(ps->what, sizeof(ps->what), "'%c'", c);
	else
		snprintf(ps->what, sizeof(ps->what), "byte 0x%02x", c);
	return ps->what;
}

static bool at_char(const struct parser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* JSON's four whitespace characters; a newline starts the next line. */
static void skip_space(struct parser *ps)
{
	for (; ps->p < ps->end; ps->p++) {
		if (*ps->p == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (*ps->p != ' ' && *ps->p != '\t' && *ps->p != '\r') {
			break;
		}
	}
}

/* Make room for `need` elements of `size` bytes in *array (of *cap). */
static int grow(void **array, size_t *cap, size_t need, size_t size)
{
	size_t cap2 = *cap ? *cap : 16;
	void *a;

	if (need <= *cap)
		return 0;
	while (cap2 < need)
		cap2 *= 2;
	if (cap2 > SIZE_MAX / size || !(a = realloc(*array, cap2 * size)))
		return -1;
	*array = a;
	*cap = cap2;
	return 0;
}

/* ---- UTF-8 ---- */

/*
 * The length (1 to 4) of the valid UTF-8 character at s, before end, or 0
 * when it is not one: a stray continuation byte, a cut sequence, an overlong
 * form (0xc0 0x80 for NUL, a classic filter bypass), a UTF-16 surrogate
 * (half a character, never one) or beyond U+10FFFF.
 */
static int utf8_length(const unsigned char *s, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
	int n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : lo; /* below: overlong */
		hi = s[0] == 0xed ? 0x9f : hi; /* above: surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : lo; /* below: overlong */
		hi = s[0] == 0xf4 ? 0x8f : hi; /* above: past U+10FFFF */
	} else {
		return 0;
	}
	if (end - s < n || s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Code point c (a valid one) as UTF-8 at out; its length. */
static int utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* ---- Writing strings as JSON does (for messages, and for callers) ---- */

/*
 * The next character of the C string *s as it is written inside a JSON
 * string: itself, or an escape; an invalid UTF-8 byte becomes \ufffd (the
 * replacement character), as Go writes it. Advances *s past it.
 */
static const char *escape_next(const char **s, char out[8])
{
	static const char special[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
	const unsigned char *u = (const unsigned char *)*s;
	const char *which = *u ? strchr(special, *u) : NULL;
	int n;

	if (which) {
		out[0] = '\\';
		out[1] = letter[which - special];
		out[2] = '\0';
		*s += 1;
		return out;
	}
	if (*u < 0x20) {
		snprintf(out, 8, "\\u%04x", *u);
		*s += 1;
		return out;
	}
	if (!(n = utf8_length(u, u + strlen(*s)))) {
		*s += 1;
		return "\\ufffd";
	}
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return out;
}

/* "S", escaped, for a one-line message; cut with ... to fit in SIZE. */
static void quote_into(char *out, size_t size, const char *s)
{
	size_t len = 1;
	char one[8];

	out[0] = '"';
	while (*s) {
		const char *e = escape_next(&s, one);
		size_t n = strlen(e);

		if (len + n + 5 > size) {
			memcpy(out + len, "...", 3);
			len += 3;
			break;
		}
		memcpy(out + len, e, n);
		len += n;
	}
	out[len++] = '"';
	out[len] = '\0';
}

/* ---- Strings ---- */

/* Four hex digits at s, before end, into *c; -1 if they are not there. */
static int read_hex4(const char *s, const char *end, uint32_t *c)
{
	*c = 0;
	if (end - s < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char h = s[i];
		int d = h >= '0' && h <= '9' ? h - '0'
		      : h >= 'a' && h <= 'f' ? h - 'a' + 10
		      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*c = *c << 4 | (uint32_t)d;
	}
	return 0;
}

/*
 * The escape at s (on its backslash), decoded to *d; where the string goes
 * on after it, or NULL and the error. \uXXXX is a UTF-16 unit: a character
 * beyond U+FFFF comes as two, a high surrogate then a low one, and either
 * half alone is no character at all.
 */
static const char *read_escape(struct parser *ps, const char *s, const char *end, char **d)
{
	static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
	const char *which = s + 1 < end ? strchr(plain, s[1]) : NULL;
	uint32_t c, low;

	if (which && *which) {
		*(*d)++ = decoded[which - plain];
		return s + 2;
	}
	if (s + 1 >= end || s[1] != 'u') {
		fail(ps, s, "unknown escape: a backslash followed by %s", describe(ps, s + 1));
		return NULL;
	}
	if (read_hex4(s + 2, end, &c) < 0) {
		fail(ps, s, "expected 4 hex digits after \\u");
		return NULL;
	}
	if (c >= 0xd800 && c <= 0xdbff) {
		if (end - s < 12 || s[6] != '\\' || s[7] != 'u' || read_hex4(s + 8, end, &low) < 0 ||
		    low < 0xdc00 || low > 0xdfff) {
			fail(ps, s, "a lone surrogate: \\u%04X must be followed by a low surrogate \\uDC00-\\uDFFF", c);
			return NULL;
		}
		c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
		s += 6;
	} else if (c >= 0xdc00 && c <= 0xdfff) {
		fail(ps, s, "a lone surrogate: \\u%04X without a high surrogate before it", c);
		return NULL;
	} else if (c == 0) {
		fail(ps, s, "\\u0000 is not allowed: a C string would end there");
		return NULL;
	}
	*d += utf8_encode(c, *d);
	return s + 6;
}

/* The string at ps->p (on its opening quote), decoded into the arena. */
static int read_string(struct parser *ps, const char **out)
{
	const char *s = ps->p + 1, *close = s;
	char *d;

	/* Find the closing quote first: the decoded string is never longer. */
	while (close < ps->end && *close != '"')
		close += *close == '\\' && close + 1 < ps->end ? 2 : 1;
	if (close >= ps->end)
		return fail(ps, ps->p, "a string without its closing quote");
	if (!(d = arena_alloc(ps->doc, (size_t)(close - s) + 1)))
		return out_of_memory(ps);
	*out = d;
	while (s < close) {
		unsigned char c = (unsigned char)*s;
		int n;

		if (c == '\\') {
			if (!(s = read_escape(ps, s, close, &d)))
				return -1;
		} else if (c < 0x20) {
			return fail(ps, s, "a control character (byte 0x%02x) in a string: write it as an escape", c);
		} else if ((n = utf8_length((const unsigned char *)s, (const unsigned char *)close))) {
			memcpy(d, s, n);
			d += n;
			s += n;
		} else {
			return fail(ps, s, "invalid UTF-8 (byte 0x%02x) in a string", c);
		}
	}
	*d = '\0';
	ps->p = close + 1;
	return 0;
}

/* ---- Numbers and literals ---- */

#define MAX_NUMBER_LENGTH 256

static bool is_digit(const struct parser *ps, const char *s)
{
	return s < ps->end && *s >= '0' && *s <= '9';
}

/*
 * -? int frac? exp?, checked by hand (strtod would also take "0x1p3", " 1",
 * "inf"), then converted by strtod for the double, and by hand for the exact
 * integer. strtod reads '.' as the decimal point in the C locale, the one a
 * program has unless it calls setlocale().
 */
static int read_number(struct parser *ps, struct json_value *v)
{
	const char *start = ps->p, *s = ps->p;
	bool negative = *s == '-', integer = true, fits = true;
	uint64_t magnitude = 0;
	char text[MAX_NUMBER_LENGTH + 1];

	s += negative;
	if (!is_digit(ps, s))
		return fail(ps, s, "expected a digit after '-', found %s", describe(ps, s));
	if (*s == '0' && is_digit(ps, s + 1))
		return fail(ps, start, "a number must not start with a 0 (leading zeros are not JSON)");
	for (; is_digit(ps, s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (magnitude > (UINT64_MAX - d) / 10)
			fits = false;
		else
			magnitude = magnitude * 10 + d;
	}
	if (s < ps->end && *s == '.') {
		integer = false;
		if (!is_digit(ps, ++s))
			return fail(ps, s, "expected a digit after '.', found %s", describe(ps, s));
		while (is_digit(ps, s))
			s++;
	}
	if (s < ps->end && (*s == 'e' || *s == 'E')) {
		integer = false;
		s++;
		s += s < ps->end && (*s == '+' || *s == '-');
		if (!is_digit(ps, s))
			return fail(ps, s, "expected a digit in the exponent, found %s", describe(ps, s));
		while (is_digit(ps, s))
			s++;
	}
	if (s - start > MAX_NUMBER_LENGTH)
		return fail(ps, start, "a number longer than %d characters", MAX_NUMBER_LENGTH);
	memcpy(text, start, (size_t)(s - start));
	text[s - start] = '\0';
	v->type = JSON_NUMBER;
	v->number = strtod(text, NULL);
	if (isinf(v->number))
		return fail(ps, start, "the number %s is too large for a double", text);
	if (integer && fits) {
		v->is_uint64 = !negative;
		v->u64 = negative ? 0 : magnitude;
		v->is_int64 = magnitude <= (uint64_t)INT64_MAX + negative;
		/* -(2^63) fits int64, but 2^63 itself does not: negate one less. */
		if (v->is_int64)
			v->i64 = negative && magnitude ? -(int64_t)(magnitude - 1) - 1 : (int64_t)magnitude;
	}
	ps->p = s;
	return 0;
}

static int read_literal(struct parser *ps, struct json_value *v)
{
	static const struct { const char *word; enum json_type type; bool value; } words[] = {
		{ "true", JSON_BOOL, true }, { "false", JSON_BOOL, false }, { "null", JSON_NULL, false },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);

		if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
			v->type = words[i].type;
			v->boolean = words[i].value;
			ps->p += n;
			return 0;
		}
	}
	return fail(ps, ps->p, "expected a value, found %s", describe(ps, ps->p));
}

/* ---- The tree ---- */

static struct json_value *innermost(struct parser *ps)
{
	return ps->nopen ? &ps->stack[ps->open[ps->nopen - 1]] : NULL;
}

static char closer(const struct json_value *container)
{
	return container->type == JSON_ARRAY ? ']' : '}';
}

/* V has just reached its final place: point its members' parent at it. */
static void adopt(struct json_value *v)
{
	if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
		for (size_t i = 0; i < v->count; i++)
			v->items[i].parent = v;
}

/* Sort members by key, then by place, so that duplicates are neighbours. */
static int by_key(const void *a, const void *b)
{
	const struct json_value *x = *(const struct json_value *const *)a;
	const struct json_value *y = *(const struct json_value *const *)b;
	int d = strcmp(x->key, y->key);

	return d ? d : (x > y) - (x < y);
}

/* A key twice in one object: refuse it, and name the first repeat. */
static int check_duplicates(struct parser *ps, const struct json_value *obj)
{
	const struct json_value **sorted, *dup = NULL;
	char quoted[80];

	if (obj->count < 2)
		return 0;
	if (!(sorted = malloc(obj->count * sizeof(*sorted))))
		return out_of_memory(ps);
	for (size_t i = 0; i < obj->count; i++)
		sorted[i] = &obj->items[i];
	qsort(sorted, obj->count, sizeof(*sorted), by_key);
	for (size_t i = 1; i < obj->count; i++)
		if (strcmp(sorted[i - 1]->key, sorted[i]->key) == 0 && (!dup || sorted[i] < dup))
			dup = sorted[i];
	free(sorted);
	if (!dup)
		return 0;
	quote_into(quoted, sizeof(quoted), dup->key);
	return error_at(ps, dup->line, dup->column, "the key %s is already in this object", quoted);
}

/* At its closing bracket: the innermost container takes its members. */
static int close_container(struct parser *ps)
{
	size_t at = ps->open[--ps->nopen], n = ps->nstack - at - 1;
	struct json_value *c = &ps->stack[at];

	if (n) {
		if (!(c->items = arena_alloc(ps->doc, n * sizeof(*c->items))))
			return out_of_memory(ps);
		memcpy(c->items, c + 1, n * sizeof(*c->items));
		for (size_t i = 0; i < n; i++)
			adopt(&c->items[i]);
	}
	c->count = n;
	ps->nstack = at + 1;
	return c->type == JSON_OBJECT ? check_duplicates(ps, c) : 0;
}

/*
 * One value where one is due (in an object: its key, ':', then the value),
 * pushed on the stack. 0 when it is complete, 1 when it opened an array or
 * object whose members come next.
 */
static int read_member(struct parser *ps)
{
	const struct json_value *in = innermost(ps);
	const char *key = NULL;
	unsigned line = ps->line, column = (unsigned)(ps->p - ps->line_start + 1);
	struct json_value *v;

	if (in && in->type == JSON_OBJECT) {
		if (at_char(ps, '}'))
			return fail(ps, ps->p, "a trailing comma is not allowed before '}'");
		if (!at_char(ps, '"'))
			return fail(ps, ps->p, "expected a member name (a string), found %s", describe(ps, ps->p));
		if (read_string(ps, &key) < 0)
			return -1;
		skip_space(ps);
		if (!at_char(ps, ':'))
			return fail(ps, ps->p, "expected ':' after the member name, found %s", describe(ps, ps->p));
		ps->p++;
		skip_space(ps);
	} else if (in && at_char(ps, ']')) {
		return fail(ps, ps->p, "a trailing comma is not allowed before ']'");
	}
	if (ps->values++ == ps->limits.max_values)
		return fail(ps, ps->p, "more than %zu values (the limit)", ps->limits.max_values);
	if (grow((void **)&ps->stack, &ps->stack_cap, ps->nstack + 1, sizeof(*ps->stack)) < 0)
		return out_of_memory(ps);
	v = &ps->stack[ps->nstack++];
	*v = (struct json_value){ .key = key, .line = line, .column = column };

	if (at_char(ps, '[') || at_char(ps, '{')) {
		if (ps->nopen == ps->limits.max_depth)
			return fail(ps, ps->p, "nested deeper than %zu levels (the limit)", ps->limits.max_depth);
		if (grow((void **)&ps->open, &ps->open_cap, ps->nopen + 1, sizeof(*ps->open)) < 0)
			return out_of_memory(ps);
		v->type = *ps->p++ == '[' ? JSON_ARRAY : JSON_OBJECT;
		ps->open[ps->nopen++] = ps->nstack - 1;
		return 1;
	}
	if (at_char(ps, '"')) {
		v->type = JSON_STRING;
		return read_string(ps, &v->string);
	}
	if (at_char(ps, '-') || is_digit(ps, ps->p))
		return read_number(ps, v);
	return read_literal(ps, v);
}

/*
 * The document: read a value; after it, close every container that ends
 * there; then a ',' means the next member, and the end of the outermost
 * value must be the end of the input.
 */
static int parse(struct parser *ps)
{
	if (ps->end - ps->p >= 3 && memcmp(ps->p, "\xef\xbb\xbf", 3) == 0)
		return fail(ps, ps->p, "a byte order mark (U+FEFF) is not allowed before JSON (RFC 8259 8.1)");
	skip_space(ps);
	for (;;) {
		int opened = read_member(ps);

		if (opened < 0)
			return -1;
		skip_space(ps);
		if (opened) {
			if (!at_char(ps, closer(innermost(ps))))
				continue; /* its first member is next */
			ps->p++;
			if (close_container(ps) < 0)
				return -1;
		}
		for (;;) {
			const struct json_value *in = innermost(ps);

			skip_space(ps);
			if (!in) {
				if (ps->p < ps->end)
					return fail(ps, ps->p, "unexpected %s after the end of the document",
					            describe(ps, ps->p));
				return 0;
			}
			if (at_char(ps, ',')) {
				ps->p++;
				skip_space(ps);
				break;
			}
			if (!at_char(ps, closer(in)))
				return fail(ps, ps->p, in->type == JSON_ARRAY
				            ? "expected ',' or ']' after an array item, found %s"
				            : "expected ',' or '}' after an object member, found %s",
				            describe(ps, ps->p));
			ps->p++;
			if (close_container(ps) < 0)
				return -1;
		}
	}
}

const struct json_value *json_parse(const char *text, size_t len, const char *name,
                                    const struct json_limits *limits, struct error *err)
{
	struct parser ps = { .p = text ? text : "", .line = 1, .err = err };
	struct json_doc *doc = calloc(1, sizeof(*doc));
	char *copy;
	int rc;

	ps.end = ps.p + (text ? len : 0);
	ps.line_start = ps.p;
	ps.limits = limits ? *limits : (struct json_limits){ 0 };
	ps.limits.max_depth = ps.limits.max_depth ? ps.limits.max_depth : JSON_MAX_DEPTH;
	ps.limits.max_size = ps.limits.max_size ? ps.limits.max_size : JSON_MAX_SIZE;
	ps.limits.max_values = ps.limits.max_values ? ps.limits.max_values : JSON_MAX_VALUES;
	name = name ? name : "json";
	if (!doc || !(copy = arena_alloc(doc, strlen(name) + 1))) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		free(doc);
		return NULL;
	}
	doc->name = strcpy(copy, name);
	ps.doc = doc;
	if (len > ps.limits.max_size) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: %zu bytes, more than the limit of %zu",
			         name, len, ps.limits.max_size);
		rc = -1;
	} else {
		rc = parse(&ps);
	}
	if (rc == 0) {
		doc->root = ps.stack[0];
		adopt(&doc->root);
	}
	free(ps.stack);
	free(ps.open);
	if (rc < 0) {
		json_free(&doc->root);
		return NULL;
	}
	return &doc->root;
}

const struct json_value *json_parse_file(const char *path, const struct json_limits *limits,
                                         struct error *err)
{
	size_t max = limits && limits->max_size ? limits->max_size : JSON_MAX_SIZE, len = 0;
	const struct json_value *root = NULL;
	const char *failed = NULL;
	struct stat st;
	char *text = NULL;
	/* O_NONBLOCK: a FIFO would block open() until someone writes to it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd == -1 || fstat(fd, &st) == -1) {
		failed = fd == -1 ? "open" : "fstat";
	} else if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		failed = "not a regular file";
	} else if ((uintmax_t)st.st_size > max) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: %jd bytes, more than the limit of %zu",
			         path, (intmax_t)st.st_size, max);
	} else if (!(text = malloc((size_t)st.st_size + 1))) {
		failed = "malloc";
	} else {
		/* Read one byte more than fstat said, to notice a file that grows. */
		for (ssize_t n = 1; n != 0 && len <= (size_t)st.st_size;) {
			n = read(fd, text + len, (size_t)st.st_size + 1 - len);
			if (n == -1 && errno != EINTR) {
				failed = "read";
				break;
			}
			len += n > 0 ? (size_t)n : 0;
		}
		if (!failed && len > (size_t)st.st_size) {
			errno = EBUSY;
			failed = "changed while it was read";
		}
		if (!failed)
			root = json_parse(text, len, path, limits, err);
	}
	if (failed && err)
		snprintf(err->msg, sizeof(err->msg), "%s: %s%s%s", path, failed,
		         errno == EINVAL || errno == EBUSY ? "" : ": ",
		         errno == EINVAL || errno == EBUSY ? "" : strerror(errno));
	free(text);
	if (fd != -1)
		close(fd);
	return root;
}

/* ---- Reading the tree: paths, messages, typed access ---- */

/* The document's name, from any of its values: the root is its doc. */
static const char *doc_name(const struct json_value *v)
{
	while (v->parent)
		v = v->parent;
	return ((const struct json_doc *)v)->name;
}

/* A key as a path step: .name when it looks like one, else ["the key"]. */
static void key_step(const char *key, char *out, size_t size)
{
	bool plain = (*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || *key == '_';

	for (const char *k = key; plain && *k; k++)
		plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_' ||
		        (*k >= '0' && *k <= '9');
	if (plain) {
		snprintf(out, size, ".%s", key);
	} else {
		char quoted[64];

		quote_into(quoted, sizeof(quoted), key);
		snprintf(out, size, "[%s]", quoted);
	}
}

char *json_path(const struct json_value *v, char *buf, size_t size)
{
	size_t start = size - 1; /* written from the end, since we walk up */

	if (size == 0)
		return buf;
	buf[start] = '\0';
	for (; v->parent; v = v->parent) {
		char step[96];
		size_t n;

		if (v->parent->type == JSON_ARRAY)
			snprintf(step, sizeof(step), "[%zu]", (size_t)(v - v->parent->items));
		else
			key_step(v->key, step, sizeof(step));
		n = strlen(step);
		if (n > start) {
			n = start < 3 ? start : 3;
			memcpy(buf + start - n, "...", n);
			start -= n;
			break;
		}
		start -= n;
		memcpy(buf + start, step, n);
	}
	start += buf[start] == '.';
	memmove(buf, buf + start, size - start);
	return buf;
}

/* "NAME:LINE:COLUMN: PATH: MESSAGE" about V, or its member KEY when not NULL. */
static void complain(struct error *err, const struct json_value *v, const char *key,
                     const char *message)
{
	char path[160], step[96];

	if (!err)
		return;
	json_path(v, path, sizeof(path));
	if (key) {
		key_step(key, step, sizeof(step));
		strncat(path, *path ? step : step + (*step == '.'), sizeof(path) - strlen(path) - 1);
	}
	snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: %s%s%s", doc_name(v), v->line, v->column,
	         path, *path ? ": " : "", message);
}

int json_errorf(struct error *err, const struct json_value *v, const char *fmt, ...)
{
	char message[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	complain(err, v, NULL, message);
	return -1;
}

static const char *a_type(enum json_type type)
{
	static const char *const names[] = {
		[JSON_NULL] = "null", [JSON_BOOL] = "a boolean", [JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string", [JSON_ARRAY] = "an array", [JSON_OBJECT] = "an object",
	};

	return names[type];
}

int json_expect(const struct json_value *v, enum json_type type, struct error *err)
{
	if (v->type == type)
		return 0;
	return json_errorf(err, v, "expected %s, found %s", a_type(type), a_type(v->type));
}

int json_as_string(const struct json_value *v, const char **out, struct error *err)
{
	if (json_expect(v, JSON_STRING, err) < 0)
		return -1;
	*out = v->string;
	return 0;
}

int json_as_bool(const struct json_value *v, bool *out, struct error *err)
{
	if (json_expect(v, JSON_BOOL, err) < 0)
		return -1;
	*out = v->boolean;
	return 0;
}

int json_as_double(const struct json_value *v, double *out, struct error *err)
{
	if (json_expect(v, JSON_NUMBER, err) < 0)
		return -1;
	*out = v->number;
	return 0;
}

int json_as_int64(const struct json_value *v, int64_t *out, struct error *err)
{
	if (v->type == JSON_NUMBER && v->is_int64) {
		*out = v->i64;
		return 0;
	}
	if (v->type != JSON_NUMBER)
		return json_errorf(err, v, "expected an integer, found %s", a_type(v->type));
	return json_errorf(err, v, "expected an integer from -2^63 to 2^63-1, found %.17g", v->number);
}

int json_as_uint64(const struct json_value *v, uint64_t *out, struct error *err)
{
	if (v->type == JSON_NUMBER && v->is_uint64) {
		*out = v->u64;
		return 0;
	}
	if (v->type != JSON_NUMBER)
		return json_errorf(err, v, "expected an integer, found %s", a_type(v->type));
	return json_errorf(err, v, "expected an integer from 0 to 2^64-1, found %.17g", v->number);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->count; i++)
		if (strcmp(obj->items[i].key, key) == 0)
			return &obj->items[i];
	return NULL;
}

/* For the getters: OBJ's member KEY, or NULL and *rc (1: missing, -1: error). */
static const struct json_value *member(const struct json_value *obj, const char *key,
                                       struct error *err, int *rc)
{
	const struct json_value *v;

	if ((*rc = json_expect(obj, JSON_OBJECT, err)) < 0)
		return NULL;
	v = json_get(obj, key);
	if (!v || v->type == JSON_NULL) {
		complain(err, obj, key, "missing");
		*rc = 1;
		return NULL;
	}
	return v;
}

int json_get_string(const struct json_value *obj, const char *key, const char **out,
                    struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	return v ? json_as_string(v, out, err) : rc;
}

int json_get_bool(const struct json_value *obj, const char *key, bool *out, struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	return v ? json_as_bool(v, out, err) : rc;
}

int json_get_int64(const struct json_value *obj, const char *key, int64_t *out,
                   struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	return v ? json_as_int64(v, out, err) : rc;
}

int json_get_uint64(const struct json_value *obj, const char *key, uint64_t *out,
                    struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	return v ? json_as_uint64(v, out, err) : rc;
}

int json_get_double(const struct json_value *obj, const char *key, double *out,
                    struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	return v ? json_as_double(v, out, err) : rc;
}

/* Arrays and objects are handed out as they are, once their type is right. */
static int get_container(const struct json_value *obj, const char *key, enum json_type type,
                         const struct json_value **out, struct error *err)
{
	int rc;
	const struct json_value *v = member(obj, key, err, &rc);

	if (!v)
		return rc;
	if (json_expect(v, type, err) < 0)
		return -1;
	*out = v;
	return 0;
}

int json_get_array(const struct json_value *obj, const char *key, const struct json_value **out,
                   struct error *err)
{
	return get_container(obj, key, JSON_ARRAY, out, err);
}

int json_get_object(const struct json_value *obj, const char *key, const struct json_value **out,
                    struct error *err)
{
	return get_container(obj, key, JSON_OBJECT, out, err);
}

int json_write_string(FILE *f, const char *s)
{
	char buf[8];

	fputc('"', f);
	while (*s)
		fputs(escape_next(&s, buf), f);
	fputc('"', f);
	return ferror(f) ? -1 : 0;
}
