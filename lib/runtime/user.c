#define _GNU_SOURCE
#include "runtime/user.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USER_FILE_MAX   (1 << 20)
#define USER_MAX_GROUPS 64

/* The image's /etc/passwd or /etc/group, opened as the hostile file it may be. */
static FILE *open_image_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > USER_FILE_MAX) {
		close(fd);
		return NULL;
	}
	return fdopen(fd, "r");
}

static bool is_number(const char *s)
{
	return s[0] && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

/* Split "a:b:c..." into at most n fields (strsep keeps the empty ones): their count. */
static int fields(char *line, char **out, int n)
{
	int count = 0;

	line[strcspn(line, "\n")] = '\0';
	while (count < n && line)
		out[count++] = strsep(&line, ":");
	return count;
}

/* The passwd entry of `user` (a name or a number): 0 and its ids and name; -1: none. */
static int find_passwd(const char *user, uid_t *uid, gid_t *gid, char *name, size_t size)
{
	FILE *f = open_image_file("/etc/passwd");
	char line[1024], *field[7];
	int found = -1;

	while (f && found == -1 && fgets(line, sizeof(line), f)) {
		if (fields(line, field, 7) < 4 || !is_number(field[2]) || !is_number(field[3]))
			continue;
		if (strcmp(field[0], user) == 0 || (is_number(user) && strcmp(field[2], user) == 0)) {
			*uid = (uid_t)atol(field[2]);
			*gid = (gid_t)atol(field[3]);
			snprintf(name, size, "%s", field[0]);
			found = 0;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * /etc/group: the gid of `group` (a name; NULL: none asked, 0 returned) and
 * into list the groups that name user `name` as a member.
 */
static int scan_groups(const char *group, gid_t *gid, const char *name, gid_t *list, int *n)
{
	FILE *f = open_image_file("/etc/group");
	char line[4096], *field[4];
	int found = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *member, *members;
		int count = fields(line, field, 4);

		if (count < 3 || !is_number(field[2]))
			continue;
		if (group && found == -1 && strcmp(field[0], group) == 0) {
			*gid = (gid_t)atol(field[2]);
			found = 0;
		}
		members = count == 4 ? field[3] : NULL;
		while (name[0] && members && (member = strsep(&members, ",")) != NULL)
			if (strcmp(member, name) == 0 && *n < USER_MAX_GROUPS)
				list[(*n)++] = (gid_t)atol(field[2]);
	}
	if (f)
		fclose(f);
	return group ? found : 0;
}

void user_switch(const char *spec)
{
	char user[256], name[256] = "", *group;
	gid_t groups[USER_MAX_GROUPS], gid = 0;
	uid_t uid = 0;
	int ngroups = 0;

	if (spec == NULL || spec[0] == '\0')
		return;
	snprintf(user, sizeof(user), "%s", spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	/* The user: its passwd entry gives the primary group; a bare number may have none. */
	if (find_passwd(user, &uid, &gid, name, sizeof(name)) == -1) {
		if (!is_number(user))
			die("unable to find user %s: no matching entries in the image's /etc/passwd",
			    user);
		uid = (uid_t)atol(user);
		gid = 0;
	}
	if (group && is_number(group)) {
		gid = (gid_t)atol(group);
		group = NULL;
	} else if (group && group[0] == '\0') {
		group = NULL;
	}
	if (scan_groups(group, &gid, name, groups, &ngroups) == -1)
		die("unable to find group %s: no matching entries in the image's /etc/group", group);
	if (ngroups == 0 || groups[0] != gid) {
		/* The primary group first, as `id -G` lists it. */
		if (ngroups == USER_MAX_GROUPS)
			ngroups--;
		memmove(groups + 1, groups, ngroups * sizeof(groups[0]));
		groups[0] = gid;
		ngroups++;
	}
	/* The groups first: once the uid is not 0, we may no longer change them. */
	/* (Rootless, setgroups is denied: root staying root needs none.) */
	if (setgroups((size_t)ngroups, groups) == -1 && !(errno == EPERM && uid == 0 && gid == 0))
		die_errno(errno == EPERM ? "a user namespace made without root maps only your own ID, "
					   "as 0, and denies setgroups: run as root, or -u 0" : NULL,
			  "setgroups(%d groups) for user %s", ngroups, quote(spec));
	if (setgid(gid) == -1)
		die_errno(errno == EINVAL ? "the user namespace maps only root: run as root, or "
					   "--userns-remap" : NULL, "setgid(%u) for user %s", gid, quote(spec));
	if (setuid(uid) == -1)
		die_errno(errno == EINVAL ? "the user namespace maps only root: run as root, or "
					   "--userns-remap" : NULL, "setuid(%u) for user %s", uid, quote(spec));
	trace("setgroups(%d), setgid(%u), setuid(%u): user %s", ngroups, gid, uid, quote(spec));
}
