#define _GNU_SOURCE
#include "runtime/hosts.h"
#include "base/log.h"
#include "runtime/volume.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const files[] = { "hosts", "hostname", "resolv.conf" };

/* A nameserver line for an address on the host's loopback (systemd-resolved's 127.0.0.53). */
static bool loopback_nameserver(const char *line)
{
	char address[64];

	if (sscanf(line, "nameserver %63s", address) != 1)
		return false;
	return strncmp(address, "127.", 4) == 0 || strcmp(address, "::1") == 0;
}

/* <dir>/resolv.conf from the host's: its nameserver, search and options lines. */
static void write_resolv_conf(FILE *out, bool host_network)
{
	FILE *in = fopen("/etc/resolv.conf", "re");
	char line[1024];
	int nameservers = 0;

	fputs("# written by stepbox for this container, from the host's /etc/resolv.conf\n", out);
	if (in == NULL)
		return;
	while (fgets(line, sizeof(line), in)) {
		bool server = strncmp(line, "nameserver", 10) == 0;

		if (!server && strncmp(line, "search", 6) != 0 && strncmp(line, "options", 7) != 0)
			continue;
		if (server && !host_network && loopback_nameserver(line))
			continue;
		nameservers += server;
		fputs(line, out);
	}
	fclose(in);
	if (nameservers == 0 && !host_network)
		fputs("# the host's nameservers are on its own loopback (like systemd-resolved's\n"
		      "# 127.0.0.53), which a container with a network of its own cannot reach\n", out);
}

/* Copy the host's file: --net host shares the host's network, and its names. */
static void copy_host_file(FILE *out, const char *path)
{
	FILE *in = fopen(path, "re");
	char buffer[4096];
	size_t n;

	if (in == NULL)
		return;
	while ((n = fread(buffer, 1, sizeof(buffer), in)) > 0)
		fwrite(buffer, 1, n, out);
	fclose(in);
}

int hosts_write_files(const char *dir, const char *hostname, const char *name,
		      const char *ip, bool host_network, struct error *err)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *out;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if ((out = fopen(path, "we")) == NULL)
			goto fail;
		if (strcmp(files[i], "hostname") == 0)
			fprintf(out, "%s\n", hostname);
		else if (strcmp(files[i], "resolv.conf") == 0)
			write_resolv_conf(out, host_network);
		else if (host_network)
			copy_host_file(out, "/etc/hosts");
		else {
			fputs("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", out);
			if (ip)
				fprintf(out, "%s\t%s%s%s\n", ip, hostname, strcmp(name, hostname) ? " " : "",
					strcmp(name, hostname) ? name : "");
		}
		if (fclose(out) == EOF)
			goto fail;
	}
	trace("wrote hosts, hostname and resolv.conf for the container in %s", dir);
	return 0;
fail:
	error_set(err, "write %s: %s", path, strerror(errno));
	return -1;
}

void hosts_mount_files(const char *dir, const char *old_root)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char source[PATH_MAX], target[64];
		struct volume v = { .kind = VOLUME_BIND, .source = source, .target = target };

		snprintf(source, sizeof(source), "%.4000s/%s", dir, files[i]);
		snprintf(target, sizeof(target), "/etc/%s", files[i]);
		volume_mount(&v, old_root);
	}
}
