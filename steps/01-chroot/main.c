/*
 * 01-chroot — a different "/".
 *
 * The oldest trick in the book (Unix, 1979): chroot() changes what "/" means
 * for this process and its children. After it, /bin/sh is ROOTFS/bin/sh and
 * the host's files are out of sight — out of sight, not out of reach. We run
 * as root, so the command can chroot() again and climb out (try the escape
 * below): chroot() was never meant as a security boundary. Step 04 builds one.
 *
 * Everything else is still the host's: the same processes (ps), the same
 * hostname, the same network, the same mounts. There is no new process here
 * either: this program becomes the command, so the command's exit status is
 * ours.
 *
 * New here:  chroot(), chdir(), execve()
 * Try:       sudo build/01-chroot build/rootfs /bin/sh -c 'ls /; ps | head -5'
 *            sudo build/01-chroot build/rootfs probe escape /etc/debian_version
 */
#include "kernel/fs.h"
#include "base/log.h"
#include "kernel/opts.h"
#include "kernel/proc.h"

int main(int argc, char **argv)
{
	struct options o;

	log_init(argv[0]);
	proc_ignore_sigpipe();   /* a reader that went away (| head) must not stop our cleanup */
	opts_parse(&o, argc, argv, 0, "Run CMD with ROOTFS as its root directory (chroot).");

	/* Change the root, and the working directory with it. */
	/* exercise 1: chroot() into o.rootfs, then chdir("/") — or fs_enter_chroot() of kernel/fs.h */
	fs_enter_chroot(o.rootfs);
	/* end exercise 1 */

	/* Become the command: from here on, it is the container. */
	/* exercise 2: execve() o.cmd, so its exit status is ours — or proc_exec_command() of kernel/proc.h */
	proc_exec_command(o.cmd);
	/* end exercise 2 */
}
