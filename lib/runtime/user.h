/*
 * user — who the container's command runs as: the image's User (or
 * --user), "uid[:gid]" in numbers or names.
 *
 * A name means what the image's own /etc/passwd and /etc/group say, not the
 * host's: "app" may be 1234 in the image and nobody on the host. So the
 * names are looked up in the container's child after pivot_root(), when /
 * is the image and /etc/passwd can only lead into it (a symlink in the
 * image resolves inside the new root; the host's files are gone with
 * /.oldroot) — runc does the same. The files are the image's, so they are
 * read as hostile: regular files only (a FIFO would block), at most 1 MiB,
 * bounded lines.
 *
 * docker's rules: a numeric user absent from /etc/passwd runs with group 0;
 * a user's supplementary groups are those of /etc/group that list its name.
 * Then setgroups(), setgid(), setuid(): the kernel clears the capabilities
 * of a process whose uid leaves 0, as Docker's non-root users have none.
 *
 * Dies (exit 125, through the shim's setup report) when a name is not found
 * or the kernel refuses an id: one line that says which.
 */
#ifndef STEPBOX_USER_H
#define STEPBOX_USER_H

/* Become `spec` ("1000", "1000:1000", "app", "app:staff"); NULL or "": stay root. */
void user_switch(const char *spec);

#endif
