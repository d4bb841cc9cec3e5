#include "runtime/security.h"
#include "base/log.h"
#include "kernel/caps.h"
#include "kernel/seccomp.h"

void security_drop_privileges(const struct container_config *config)
{
	if (config->privileged) {
		trace("--privileged: every capability, no seccomp filter, no masked path");
		return;
	}
	caps_apply((caps_docker_default() & ~config->cap_drop) | config->cap_add);
	seccomp_no_new_privs();
	if (config->seccomp)
		seccomp_apply();
}
