/*
 * keyvalue — the "key value" lines stepbox keeps its records in: a
 * container's config and state (lib/runtime/state), an image's record
 * (lib/frontend/image). One line per value; a newline or a backslash in a
 * value is written as \n or \\, so every value stays on its line.
 */
#ifndef STEPBOX_KEYVALUE_H
#define STEPBOX_KEYVALUE_H

#include <stdio.h>

/* Write "key value\n", the value escaped. */
void kv_put(FILE *f, const char *key, const char *value);

/* Undo kv_put()'s escapes, in place. */
void kv_unescape(char *s);

#endif
