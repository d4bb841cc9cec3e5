/*
 * json — a small, strict JSON reader (RFC 8259) for the files a container
 * runtime is handed: an OCI bundle's config.json, docker save's
 * manifest.json, an OCI image's index, manifest and config blobs.
 *
 * A document is read whole into a tree of struct json_value that C walks
 * directly: v->items[0 .. v->count-1] for an array or an object (an
 * object's members carry their name in ->key), ->string, ->number,
 * ->boolean for the leaves. The typed getters do the checking a reader of
 * config.json must do anyway, and say what is wrong in the file's terms:
 *
 *     config.json:7:5: process.args[2]: expected a string, found a number
 *
 * Strict, because a runtime reads files that someone else wrote, and two
 * readers that disagree about one file (a "parser differential") are a
 * security hole: what one of them checked is not what the other one runs.
 * So this reader refuses:
 *   - a duplicate key in an object (which of the two would win?);
 *   - what is not JSON: trailing commas, comments, leading zeros, NaN,
 *     single quotes, anything after the document;
 *   - invalid UTF-8, lone UTF-16 surrogates (\ud800), raw control
 *     characters in strings;
 *   - \u0000 in a string: a C string would silently end there;
 *   - a byte order mark at the start: RFC 8259 section 8.1 says not to
 *     write one, and Go's encoding/json (runc's, docker's) refuses it too;
 *   - a number too large for a double (1e999).
 * And bounded, so that a hostile file costs an error, never a crash: a
 * nesting depth, a document size and a number of values (struct
 * json_limits). The parser keeps its own stack on the heap and never
 * recurses, whatever the input.
 *
 * Numbers: ->number is the double. An integer written as one (no fraction,
 * no exponent) that fits also sets ->is_int64 / ->is_uint64 with the exact
 * value, so that a memory limit of 9223372036854771712 stays that number
 * and is not rounded to the nearest double. json_as_int64() and friends
 * refuse anything else (1.5, 1e3), as Go does for an int field.
 *
 * Errors are values: NULL or -1, and one line in a struct error (lib/base/error.h),
 * "NAME:LINE:COLUMN: what is wrong" (columns count bytes, from 1), or
 * "NAME: what is wrong" about the file as a whole (it is missing, or too
 * large). Nothing here exits or prints: the caller decides. Every `err`
 * may be NULL; a value (`v`, `obj`) given to a function must not be.
 *
 * Memory: a document lives in one arena (a few large blocks), values and
 * strings alike; json_free() frees all of it at once. Keep the tree for as
 * long as you use a pointer into it. No global state: two threads may read
 * two documents.
 */
#ifndef STEPBOX_JSON_H
#define STEPBOX_JSON_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	unsigned line, column;           /* where it starts (a member: its key) */
	const char *key;                 /* a member of an object: its name */
	const struct json_value *parent; /* its array or object; NULL: the root */
	union {
		bool boolean;                    /* JSON_BOOL */
		struct {                         /* JSON_NUMBER */
			double number;
			bool is_int64, is_uint64;   /* exact integer values: */
			int64_t i64;
			uint64_t u64;
		};
		const char *string;              /* JSON_STRING: UTF-8, NUL-terminated */
		struct {                         /* JSON_ARRAY, JSON_OBJECT */
			struct json_value *items;
			size_t count;
		};
	};
};

/* The limits of one parse; a field left 0 takes the default. */
struct json_limits {
	size_t max_depth;  /* arrays and objects inside each other: 64 */
	size_t max_size;   /* bytes of the document: 4 MiB */
	size_t max_values; /* values in the document, of every kind: 100000 */
};
#define JSON_MAX_DEPTH  64
#define JSON_MAX_SIZE   (4u << 20)
#define JSON_MAX_VALUES 100000

/*
 * Parse `len` bytes at `text` (no NUL needed) as one JSON document; NAME
 * (a file name) starts every error message. The root, or NULL and *err.
 * `limits` may be NULL for the defaults.
 */
const struct json_value *json_parse(const char *text, size_t len, const char *name,
                                    const struct json_limits *limits, struct error *err);

/* The same for a regular file at PATH (no FIFO, no device), size first. */
const struct json_value *json_parse_file(const char *path, const struct json_limits *limits,
                                         struct error *err);

/* Free the document of `root` (as json_parse returned it). NULL is fine. */
void json_free(const struct json_value *root);

/*
 * The member KEY of object OBJ, or NULL: there is none, or OBJ is not an
 * object. A linear search, in document order: OCI objects are small.
 */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/*
 * Checked access to a value: 0 and *out, or -1 and *err naming the value's
 * place ("config.json:7:5: process.args[2]: expected a string, found a
 * number"). The int64 and uint64 ones take only integers that fit.
 */
int json_expect(const struct json_value *v, enum json_type type, struct error *err);
int json_as_string(const struct json_value *v, const char **out, struct error *err);
int json_as_bool(const struct json_value *v, bool *out, struct error *err);
int json_as_int64(const struct json_value *v, int64_t *out, struct error *err);
int json_as_uint64(const struct json_value *v, uint64_t *out, struct error *err);
int json_as_double(const struct json_value *v, double *out, struct error *err);

/*
 * The same for the member KEY of object OBJ, in one call:
 *    0  found, of the right type: *out is set;
 *    1  missing: *out is untouched (a default the caller put there stays),
 *       *err says "process.args: missing" for a caller that requires it;
 *   -1  OBJ is not an object, or the member has the wrong type: *err.
 * A member whose value is null counts as missing, as in Go's encoding/json
 * (which runc and docker use): {"args": null} is a config without args.
 * So a required member reads `if (json_get_string(...) != 0) fail`, an
 * optional one `if (json_get_string(...) < 0) fail`.
 */
int json_get_string(const struct json_value *obj, const char *key, const char **out,
                    struct error *err);
int json_get_bool(const struct json_value *obj, const char *key, bool *out, struct error *err);
int json_get_int64(const struct json_value *obj, const char *key, int64_t *out,
                   struct error *err);
int json_get_uint64(const struct json_value *obj, const char *key, uint64_t *out,
                    struct error *err);
int json_get_double(const struct json_value *obj, const char *key, double *out,
                    struct error *err);
int json_get_array(const struct json_value *obj, const char *key, const struct json_value **out,
                   struct error *err);
int json_get_object(const struct json_value *obj, const char *key, const struct json_value **out,
                    struct error *err);

/*
 * V's place in its document, as a reader names it: `process.args[2]`,
 * `annotations["org.opencontainers.image.ref.name"]`; "" for the root.
 * Into BUF (cut at the front, "...", when it is too long); returns BUF.
 */
char *json_path(const struct json_value *v, char *buf, size_t size);

/* A caller's own complaint about V, in the same shape as ours; returns -1. */
int json_errorf(struct error *err, const struct json_value *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Write S to F as a JSON string, quotes included: '"', '\\' and control
 * characters escaped (\n, \t, \u001b), other UTF-8 as it is, and an invalid
 * byte as \ufffd (as Go does), so the output is always valid JSON. For
 * the runtime's `state` output and its JSON log lines. 0, or -1 when F
 * has had a write error.
 */
int json_write_string(FILE *f, const char *s);

#endif
