/*
 * fault — hook points for tests/faults.bats, and nothing else.
 *
 * A runtime can be killed at any moment: between two mounts, with half its
 * veth made, while it removes a cgroup. The fault suite needs to stop a
 * runtime at exactly such a moment, kill one of its processes, and check
 * that the next run or `rm -f` leaves nothing behind.
 *
 * With STEPBOX_FAULT=PHASE in its environment, the process that reaches
 * fault_point(PHASE) renames itself "fault:PHASE" (as pgrep -x sees it) and
 * waits for SIGUSR2 (at most 30 s) before it goes on. Without the variable,
 * fault_point() costs one getenv(). The phases, in order of a start-up:
 *
 *   create    the run directory and its record exist   (runtime / 08 CLI)
 *   clone     just before clone()                      (runtime / 08 shim)
 *   mounts    overlay mounted, before pivot_root()     (the container's PID 1)
 *   cgroup    the child is in its cgroup               (runtime / 08 shim)
 *   network   the veth exists, not yet configured      (runtime / 08 shim)
 *   teardown  PID 1 has exited, nothing removed yet    (runtime / 08 shim)
 *   retired   --rm: `run` has returned, the rest is not removed yet (08 shim)
 */
#ifndef STEPBOX_FAULT_H
#define STEPBOX_FAULT_H

void fault_point(const char *phase);

#endif
