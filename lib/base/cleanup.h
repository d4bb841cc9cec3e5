/*
 * cleanup — undo what the runtime created when it dies half-way.
 *
 * A step tears down what it made in plain sight at the end of main(). But
 * die() can strike after the run directory exists and before the veth does;
 * then the teardowns registered here run, newest first, from exit().
 * They run only in the process that registered them: a cloned child has a
 * copy of the list, and must not delete its parent's resources when it dies.
 *
 * Every registered function must be safe to call twice (the normal path may
 * already have called it).
 */
#ifndef STEPBOX_CLEANUP_H
#define STEPBOX_CLEANUP_H

void cleanup_on_exit(void (*undo)(void *), void *arg);

/*
 * Step 08 hands a half-made container from one process to another: the
 * CLI creates it, the shim it forks finishes it. The shim takes the list
 * over (its exit undoes, if it dies half-way), and the CLI, or the shim
 * once the container runs, forgets it (its exit undoes nothing).
 */
void cleanup_take_over(void);
void cleanup_forget(void);

#endif
