#include "runtime/security.h"
#include "base/log.h"
#include "kernel/caps.h"
#include "kernel/seccomp-profile.h"
#include "kernel/seccomp.h"
/* Docker's default program, made when stepbox was built (seccomp_builtin):
 * steps/tools/seccomp-builtin.c, or none in a cross build. */
#include "seccomp-builtin.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

capset_t security_capabilities(const struct container_config *config)
{
	if (config->privileged)
		return caps_all();
	return (caps_docker_default() & ~config->cap_drop) | config->cap_add;
}

/*
 * The built-in program holds when nothing would make another one: the
 * default profile, docker's capabilities, and a kernel at least as new as
 * the newest minKernel the profile names. Copied: the caller frees it.
 */
static bool use_builtin(const struct container_config *config, struct seccomp_filter *filter)
{
	return seccomp_builtin.len > 0 && config->seccomp_profile == NULL &&
	       security_capabilities(config) == SECCOMP_BUILTIN_CAPS &&
	       seccomp_kernel_at_least(seccomp_builtin.min_kernel) &&
	       seccomp_filter_copy(filter, &seccomp_builtin, seccomp_builtin_insns) == 0;
}

int security_compile_seccomp(const struct container_config *config, const char *name,
			     struct seccomp_filter *filter, struct error *err)
{
	const char *profile = config->seccomp_profile ? config->seccomp_profile
						      : seccomp_profile_default();

	if (use_builtin(config, filter)) {
		trace("seccomp: %s, as compiled when stepbox was built", name);
		return 0;
	}
	trace("seccomp: compiling %s", name);
	return seccomp_profile_compile_text(profile, strlen(profile), name,
					    security_capabilities(config), filter, err);
}

static const char *profile_name(const struct container_config *config)
{
	return config->seccomp_profile ? "the seccomp profile" : "docker's default profile";
}

/* The program as it goes down the pipe: the filter's fields, then its instructions. */
int security_send_seccomp(const struct container_config *config, int fd, struct error *err)
{
	struct seccomp_filter filter;
	size_t size;
	int result = 0;

	if (security_compile_seccomp(config, profile_name(config), &filter, err) == -1)
		return -1;
	size = filter.len * sizeof(filter.insns[0]);
	/* A pipe holds 64 kB, a filter at most 32 kB: both writes are whole. */
	if (write(fd, &filter, sizeof(filter)) != (ssize_t)sizeof(filter) ||
	    write(fd, filter.insns, size) != (ssize_t)size)
		result = error_errno(err, "send the seccomp filter to the container");
	seccomp_filter_free(&filter);
	return result;
}

/* SIZE bytes from the pipe, however the kernel splits them: false at its end. */
static bool read_whole(int fd, void *buf, size_t size)
{
	for (size_t got = 0; got < size;) {
		ssize_t n = read(fd, (char *)buf + got, size - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

static void receive_seccomp(int fd, struct seccomp_filter *filter)
{
	struct sock_filter *insns;
	size_t size;

	if (!read_whole(fd, filter, sizeof(*filter)) || filter->len == 0 ||
	    filter->len > BPF_MAXINSNS)
		die("the shim sent no seccomp filter (it says why)");
	size = filter->len * sizeof(insns[0]);
	if ((insns = malloc(size)) == NULL)
		die_errno(NULL, "malloc(%zu) for the seccomp filter", size);
	if (!read_whole(fd, insns, size))
		die("the shim sent half a seccomp filter");
	filter->insns = insns;
	close(fd);
}

void security_drop_privileges(const struct container_config *config, int seccomp_fd)
{
	struct seccomp_filter filter;
	struct error err;

	if (config->privileged) {
		trace("--privileged: every capability, no seccomp filter, no masked path");
		return;
	}
	/* From the profile's text in the config: the child reads no file for it
	 * (its root is the image's now), and PID 1 and every exec get the same
	 * program from the same text — PID 1 from the shim, an exec compiles its own. */
	if (config->seccomp && seccomp_fd != -1)
		receive_seccomp(seccomp_fd, &filter);
	else if (config->seccomp &&
		 security_compile_seccomp(config, profile_name(config), &filter, &err) == -1)
		error_die(&err);
	caps_apply(security_capabilities(config));
	seccomp_no_new_privs();
	if (config->seccomp) {
		seccomp_install(&filter, config->seccomp_profile ? "--security-opt seccomp=FILE"
								 : "docker's default profile");
		seccomp_filter_free(&filter);
	}
}
