#include "base/lock.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_take(const char *dir)
{
	for (;;) {
		struct stat held, now;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd == -1)
			return -1;
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &held) == -1) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		/* Still the directory that the path names? Then the lock is real. */
		if (stat(dir, &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino) {
			trace("flock(\"%s\", LOCK_EX)", dir);
			return fd;
		}
		close(fd);
		if (stat(dir, &now) == -1)
			return -1; /* removed, and not made again: errno says ENOENT */
	}
}

void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
