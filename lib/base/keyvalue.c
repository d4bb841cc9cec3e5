#include "base/keyvalue.h"

void kv_put(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s ", key);
	for (; *value; value++) {
		if (*value == '\n')
			fputs("\\n", f);
		else if (*value == '\\')
			fputs("\\\\", f);
		else
			fputc(*value, f);
	}
	fputc('\n', f);
}

void kv_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*out++ = '\n';
			s++;
		} else if (s[0] == '\\' && s[1] == '\\') {
			*out++ = '\\';
			s++;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}
