#include "kernel/uts.h"
#include "base/log.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void uts_set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) == -1)
		die_errno(errno == EPERM ? "run as root, or see step 06 for user namespaces"
					 : NULL,
			  "sethostname(\"%s\")", name);
	trace("sethostname(\"%s\")", name);
}
