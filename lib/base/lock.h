/*
 * lock — the host-wide lock that runs take for what two of them must never
 * do at the same time: create or sweep run directories, pick a container's
 * address.
 *
 * The lock is flock() on the run directories' root itself. That root may be
 * removed (by the last run out) and made again while someone waits for it,
 * so a lock counts only if, once held, the path still names the directory
 * that was locked; otherwise lock_take() tries again.
 *
 * Errors are values here: -1 with errno set, for the caller to decide.
 * A caller must not die() while it holds the lock (its own exit handlers
 * would wait for it forever): release first, then report.
 */
#ifndef STEPBOX_LOCK_H
#define STEPBOX_LOCK_H

/* Wait for the lock of directory `dir`; the fd that holds it, or -1. */
int lock_take(const char *dir);

/* Let the next one in. */
void lock_release(int fd);

#endif
