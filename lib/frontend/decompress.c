/*
 * decompress — gzip -dc / zstd -dc as a child process, read through a pipe.
 */
#define _GNU_SOURCE
#include "frontend/decompress.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The magic numbers: gzip (RFC 1952) and zstd (RFC 8878) frames. */
static const char *program_for(const unsigned char magic[4])
{
	if (magic[0] == 0x1f && magic[1] == 0x8b)
		return "gzip";
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return "zstd";
	return NULL;
}

int decompress_open(const char *path, struct decompress *d, struct error *err)
{
	unsigned char magic[4] = { 0 };
	int file, pipefd[2];

	d->fd = -1;
	d->pid = 0;
	file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0 || pread(file, magic, sizeof(magic), 0) < 0) {
		int e = errno;

		error_set(err, "open %s: %s", quote(path), strerror(e));
		if (file >= 0)
			close(file);
		return -1;
	}
	d->program = program_for(magic);
	if (!d->program) {
		d->fd = file;
		return 0;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (d->pid = fork()) < 0) {
		error_set(err, "starting %s -dc: %s", d->program, strerror(errno));
		close(file);
		return -1;
	}
	if (d->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		/* Its complaints become our one line (decompress_finish); a
		 * caller that ignores SIGPIPE must not make it ignore one. */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(file, 0) < 0 || dup2(pipefd[1], 1) < 0 || devnull < 0 || dup2(devnull, 2) < 0)
			_exit(126);
		execlp(d->program, d->program, "-dc", (char *)NULL);
		_exit(127);
	}
	/* Our copy of the write end must go, or we would never see the end. */
	close(pipefd[1]);
	close(file);
	d->fd = pipefd[0];
	return 0;
}

static int reap(struct decompress *d, struct error *err)
{
	int status;
	pid_t pid = d->pid;

	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->pid = 0;
	if (pid <= 0)
		return 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			error_set(err, "waitpid %s: %s", d->program, strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		error_set(err, "%s -dc could not run — install it (apt-get install %s)",
			 d->program, d->program);
	else
		error_set(err, "%s -dc failed (status %d): the compressed file is damaged"
			 " or truncated", d->program,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -1;
}

int decompress_finish(struct decompress *d, struct error *err)
{
	return reap(d, err);
}

void decompress_abort(struct decompress *d)
{
	struct error ignore;

	reap(d, &ignore);
}
