#include "runtime/security.h"
#include "base/log.h"
#include "kernel/caps.h"
#include "kernel/seccomp-profile.h"
#include "kernel/seccomp.h"

#include <string.h>

capset_t security_capabilities(const struct container_config *config)
{
	if (config->privileged)
		return caps_all();
	return (caps_docker_default() & ~config->cap_drop) | config->cap_add;
}

int security_compile_seccomp(const struct container_config *config, const char *name,
			     struct seccomp_filter *filter, struct error *err)
{
	const char *profile = config->seccomp_profile ? config->seccomp_profile
						      : seccomp_profile_default();

	return seccomp_profile_compile_text(profile, strlen(profile), name,
					    security_capabilities(config), filter, err);
}

void security_drop_privileges(const struct container_config *config)
{
	struct seccomp_filter filter;
	struct error err;

	if (config->privileged) {
		trace("--privileged: every capability, no seccomp filter, no masked path");
		return;
	}
	/* Compiled here, from the profile's text in the config: the child reads
	 * no file for it (its root is the image's now), and PID 1 and every exec
	 * get the same program from the same text. */
	if (config->seccomp &&
	    security_compile_seccomp(config, config->seccomp_profile ? "the seccomp profile"
								     : "docker's default profile",
				     &filter, &err) == -1)
		error_die(&err);
	caps_apply(security_capabilities(config));
	seccomp_no_new_privs();
	if (config->seccomp) {
		seccomp_install(&filter, config->seccomp_profile ? "--security-opt seccomp=FILE"
								 : "docker's default profile");
		seccomp_filter_free(&filter);
	}
}
