/*
 * opts — the command line every step shares:
 *
 *     build/NN-name [--help] [--trace] [--hostname NAME] [--layer DIR]...
 *                   [--net veth|none] [--ip ADDR/PREFIX] [--userns-remap START:COUNT]
 *                   [-m|--memory SIZE] [--cpus N] [--pids-limit N] ROOTFS [CMD [ARG...]]
 *
 * Each step says which options it knows (a mask of OPT_* bits). An option that
 * belongs to a later step is refused with a line that names that step, so a
 * student who tries `01-chroot --hostname box` learns where hostnames come in.
 *
 * opts_parse() dies (exit 125) on any bad input, before anything is created,
 * with one line that quotes what the user typed.
 */
#ifndef STEPBOX_OPTS_H
#define STEPBOX_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <limits.h>

#include "kernel/cgroup.h"
#include "kernel/fs.h"
#include "kernel/userns.h"

enum {
	OPT_HOSTNAME = 1 << 0, /* --hostname NAME  (03-uts) */
	OPT_LAYER    = 1 << 1, /* --layer DIR      (04-mount-overlay) */
	OPT_NET      = 1 << 2, /* --net MODE, --ip ADDR/PREFIX (05-netns) */
	OPT_USERNS   = 1 << 3, /* --userns-remap START:COUNT, and runs without root (06-userns) */
	OPT_LIMITS   = 1 << 4, /* -m/--memory, --cpus, --pids-limit (07-cgroups) */
};

#define DEFAULT_HOSTNAME "stepbox"

struct options {
	bool trace;
	const char *hostname;            /* valid when the step has OPT_HOSTNAME */
	char rootfs[PATH_MAX];               /* absolute, resolved path of ROOTFS */
	char *layers[MAX_LAYERS];            /* extra read-only layers, lowest first */
	int nlayers;
	bool veth;                       /* --net veth (default) or --net none */
	const char *ip;                  /* --ip ADDR/PREFIX, or NULL: allocate */
	const char *userns_remap;        /* --userns-remap as given, or NULL */
	bool net_given;                  /* --net was on the command line */
	struct id_range uids, gids;      /* with OPT_USERNS: host IDs of the container's 0.. */
	struct cg_limits limits;         /* with OPT_LIMITS; 0: no limit */
	char **cmd;                      /* NULL-terminated; /bin/sh by default */
};

/*
 * One flag of a command line, in one table that serves both getopt_long()
 * and --help: the steps' own (opts.c), and step 08's `run`, whose flags that
 * are the same as the steps' (--memory, --cpus, --pids-limit) take their
 * help, and their checks below, from here.
 */
struct opts_flag {
	const char *name;    /* --name */
	char letter;         /* -x as well, or 0 */
	int has_arg;         /* no_argument or required_argument (getopt.h) */
	int key;             /* what getopt_long() returns for it */
	const char *arg;     /* the value's name in --help, or NULL */
	const char *help;    /* NULL: the help of the steps' flag of that name */
};

/* --help's lines for n flags, wrapped at 78 columns. */
void opts_print_flags(FILE *out, const struct opts_flag *flags, size_t n);

/* getopt_long()'s tables for n flags: longopts (n + 1 entries) and the
 * short options ("+" first: stop at the first word that is no flag). */
void opts_getopt_tables(const struct opts_flag *flags, size_t n, struct option *longopts,
			char *shortopts, size_t size);

/*
 * Parse argv for a step that knows the options in `features`.
 * `summary` is the one-line story printed by --help.
 */
void opts_parse(struct options *o, int argc, char **argv, unsigned features,
		const char *summary);

/*
 * Step 06 on: who the container's root is on the host. As root: the
 * --userns-remap range, else /etc/subuid's (and subgid's) "stepbox" entry,
 * else 100000:65536. Without root: only your own UID and GID, mapped to 0 —
 * and the network becomes --net none, since the host end of a veth needs
 * root (asking for a veth or --ip then is an error). Dies on a conflict.
 */
void opts_choose_id_ranges(struct options *o);

/* The checks behind the options, for step 08's own command line: each dies
 * (exit 125) with one line on a bad value. */
void opts_check_hostname(const char *name);
long long opts_parse_memory(const char *text);   /* -m 64m: bytes */
double opts_parse_cpus(const char *text);        /* --cpus 0.5 */
long opts_parse_pids(const char *text);          /* --pids-limit 16 */

#endif
