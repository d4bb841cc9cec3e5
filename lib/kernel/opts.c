#include "kernel/opts.h"
#include "kernel/ipam.h"
#include "base/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every option of every step, with the step that introduces it. */
static const struct step_option {
	unsigned feature;   /* 0: every step has it */
	struct opts_flag flag;
	const char *step;
} all_options[] = {
	{ 0, { "help", 'h', no_argument, 'h', NULL,
	  "show this help and exit" }, "01-chroot" },
	{ 0, { "trace", 0, no_argument, 'T', NULL,
	  "print every kernel call to stderr with the time since start" }, "01-chroot" },
	{ OPT_HOSTNAME, { "hostname", 0, required_argument, 'H', "NAME",
	  "the container's hostname (default " DEFAULT_HOSTNAME ")" }, "03-uts" },
	{ OPT_LAYER, { "layer", 0, required_argument, 'L', "DIR",
	  "one more read-only layer on top of ROOTFS (repeatable)" }, "04-mount-overlay" },
	{ OPT_NET, { "net", 0, required_argument, 'N', "MODE",
	  "veth (default): eth0 wired to the host; none: only lo" }, "05-netns" },
	{ OPT_NET, { "ip", 0, required_argument, 'I', "ADDR/PREFIX",
	  "eth0's address (default: a free /30 of $STEPBOX_SUBNET, "
	  IPAM_DEFAULT_POOL ")" }, "05-netns" },
	{ OPT_USERNS, { "userns-remap", 0, required_argument, 'U', "START:COUNT",
	  "as root: the container's IDs 0..COUNT-1 are the host's START.. "
	  "(default: /etc/subuid's stepbox entry, else 100000:65536); "
	  "without root your own UID and GID map to 0, and the network is --net none" },
	  "06-userns" },
	{ OPT_LIMITS, { "memory", 'm', required_argument, 'm', "SIZE",
	  "memory limit, like 64m or 1g (k, m, g: KiB, MiB, GiB); "
	  "no swap past it: over it, the OOM killer ends the container" }, "07-cgroups" },
	{ OPT_LIMITS, { "cpus", 0, required_argument, 'C', "N",
	  "CPU time limit in CPUs, like 0.5 (half of one CPU's time)" }, "07-cgroups" },
	{ OPT_LIMITS, { "pids-limit", 0, required_argument, 'P', "N",
	  "at most N processes (and threads) in the container" }, "07-cgroups" },
};
#define NOPTIONS (sizeof(all_options) / sizeof(all_options[0]))

/* Print `text` in lines of at most 78 columns, each but the first indented by `indent`. */
static void print_wrapped(FILE *out, const char *text, int column, int indent)
{
	while (*text) {
		int len = strlen(text), cut = len;

		if (column + len > 78) {
			for (cut = 78 - column; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = len;
		}
		fprintf(out, "%.*s\n", cut, text);
		text += cut;
		while (*text == ' ')
			text++;
		if (*text) {
			fprintf(out, "%*s", indent, "");
			column = indent;
		}
	}
}

/* The help of the steps' flag called `name` (for a table that shares it). */
static const char *shared_help(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(all_options[i].flag.name, name) == 0)
			return all_options[i].flag.help;
	return "";
}

void opts_print_flags(FILE *out, const struct opts_flag *flags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct opts_flag *flag = &flags[i];
		char left[64];

		/* "-m, --memory SIZE", or "    --trace": the long names in one column. */
		if (flag->letter)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", flag->letter, flag->name,
				 flag->arg ? " " : "", flag->arg ? flag->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", flag->name, flag->arg ? " " : "",
				 flag->arg ? flag->arg : "");
		if (strlen(left) > 24)
			fprintf(out, "  %s\n%27s", left, "");
		else
			fprintf(out, "  %-24s ", left);
		print_wrapped(out, flag->help ? flag->help : shared_help(flag->name), 27, 27);
	}
}

void opts_getopt_tables(const struct opts_flag *flags, size_t n, struct option *longopts,
			char *shortopts, size_t size)
{
	size_t len = snprintf(shortopts, size, "+");

	for (size_t i = 0; i < n; i++) {
		longopts[i] = (struct option){ flags[i].name, flags[i].has_arg, NULL, flags[i].key };
		if (flags[i].letter && len + 3 < size)
			len += snprintf(shortopts + len, size - len, "%c%s", flags[i].letter,
					flags[i].has_arg == required_argument ? ":" : "");
	}
	longopts[n] = (struct option){ 0 };
}

static void usage(FILE *out, unsigned features, const char *summary)
{
	fprintf(out, "usage: %s [OPTION]... ROOTFS [CMD [ARG...]]\n", log_progname());
	print_wrapped(out, summary, 0, 0);
	fprintf(out, "CMD defaults to /bin/sh.\n\n");
	for (size_t i = 0; i < NOPTIONS; i++)
		if (!all_options[i].feature || (all_options[i].feature & features))
			opts_print_flags(out, &all_options[i].flag, 1);
	fprintf(out, "\nExit status: the command's own; 128+N if it died of signal N;\n"
		     "125 runtime error, 126 CMD not executable, 127 CMD not found.\n");
}

static const struct step_option *find_option(int key)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (all_options[i].flag.key == key)
			return &all_options[i];
	return NULL;
}

/* Letters, digits, '-' and '.', at most 64 bytes (HOST_NAME_MAX). */
void opts_check_hostname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		die("--hostname: the name is empty");
	if (len > 64)
		die("--hostname: %s is %zu characters; the kernel allows at most 64",
		    quote(name), len);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-.") != len || name[0] == '-' || name[0] == '.')
		die("--hostname: %s is not a hostname (use letters, digits, '-' and '.')",
		    quote(name));
}

/* A directory that exists; store its absolute path. What names it: "ROOTFS" or "--layer". */
static void resolve_directory(const char *what, const char *path, char *out)
{
	struct stat st;

	if (stat(path, &st) == -1)
		die_errno(errno == ENOENT && strcmp(what, "ROOTFS") == 0
				  ? "build the default image with: make rootfs" : NULL,
			  "%s %s", what, quote(path));
	if (!S_ISDIR(st.st_mode))
		die("%s %s is not a directory", what, quote(path));
	if (realpath(path, out) == NULL)
		die_errno(NULL, "realpath(%s)", quote(path));
	if (strcmp(out, "/") == 0)
		die("%s %s is the host's own / — that would be no container at all",
		    what, quote(path));
}

void opts_choose_id_ranges(struct options *o)
{
	if (geteuid() == 0) {
		if (o->userns_remap == NULL) {
			userns_default_range("/etc/subuid", &o->uids);
			userns_default_range("/etc/subgid", &o->gids);
		}
		return;
	}
	if (o->userns_remap)
		die("--userns-remap %s: only root may map other IDs; without sudo your own "
		    "UID %d maps to 0", quote(o->userns_remap), getuid());
	if ((o->net_given && o->veth) || o->ip)
		die("%s needs root: the host end of a veth lives in the host's network "
		    "namespace — without sudo the network is --net none",
		    o->ip ? "--ip" : "--net veth");
	o->veth = false;
	o->uids = (struct id_range){ getuid(), 1 };
	o->gids = (struct id_range){ getgid(), 1 };
	trace("without root: the container's 0 is your UID %d and GID %d; --net none",
	      getuid(), getgid());
}

/* "64m", "1g", "512k", "1048576": bytes. Dies on anything else. */
long long opts_parse_memory(const char *text)
{
	long long unit = 1;
	char *end;
	double n;

	errno = 0;
	n = strtod(text, &end);
	if (end != text && end[0] && !end[1]) {
		switch (end[0] | 0x20) { /* one letter, either case */
		case 'k': unit = 1LL << 10; end++; break;
		case 'm': unit = 1LL << 20; end++; break;
		case 'g': unit = 1LL << 30; end++; break;
		}
	}
	if (errno || end == text || *end || !(n >= 0) || text[0] == '-')
		die("--memory %s: not a size (a number with k, m or g, like 64m)", quote(text));
	if (n * unit < 4 * (1 << 20))
		die("--memory %s: below 4m no program can even start; use 4m or more",
		    quote(text));
	if (n * unit > 1e18)
		die("--memory %s: too large (at most 1e18 bytes)", quote(text));
	return (long long)(n * unit);
}

double opts_parse_cpus(const char *text)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	double n;

	errno = 0;
	n = strtod(text, &end);
	if (errno || end == text || *end || !(n > 0))
		die("--cpus %s: not a positive number of CPUs, like 0.5", quote(text));
	if (n < 0.01)
		die("--cpus %s: the smallest limit is 0.01 (1 ms in each 100 ms)", quote(text));
	if (online > 0 && n > online)
		die("--cpus %s: this machine has %ld CPUs", quote(text), online);
	return n;
}

long opts_parse_pids(const char *text)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || end == text || *end || n < 1 || text[0] < '0' || text[0] > '9')
		die("--pids-limit %s: not a whole number of at least 1", quote(text));
	/* The kernel's PID_MAX_LIMIT: pids.max takes nothing larger. */
	if (n > 4194304)
		die("--pids-limit %s: at most 4194304 (the kernel's largest PID count)",
		    quote(text));
	return n;
}

void opts_parse(struct options *o, int argc, char **argv, unsigned features,
		const char *summary)
{
	struct option longopts[NOPTIONS + 1];
	struct opts_flag flags[NOPTIONS];
	char shortopts[32];
	static char *default_cmd[] = { "/bin/sh", NULL };
	bool root = geteuid() == 0;
	struct error err;
	int key;

	memset(o, 0, sizeof(*o));
	o->hostname = DEFAULT_HOSTNAME;
	o->veth = features & OPT_NET;
	for (size_t i = 0; i < NOPTIONS; i++)
		flags[i] = all_options[i].flag;
	opts_getopt_tables(flags, NOPTIONS, longopts, shortopts, sizeof(shortopts));

	/* "+": stop at ROOTFS, so options of CMD are left for CMD. */
	opterr = 0;
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct step_option *opt = find_option(key);

		if (key == '?' || key == ':' || opt == NULL) {
			const char *bad = argv[optind - 1];

			if (optopt && find_option(optopt) && find_option(optopt)->flag.has_arg)
				die("option %s needs a value — see %s --help", quote(bad),
				    log_progname());
			die("unknown option %s — see %s --help", quote(bad), log_progname());
		}
		if (opt->feature && !(opt->feature & features))
			die("option --%s comes with step %s; this is %s — see %s --help",
			    opt->flag.name, opt->step, log_progname(), log_progname());
		switch (key) {
		case 'h':
			usage(stdout, features, summary);
			exit(0);
		case 'T':
			o->trace = true;
			break;
		case 'H':
			opts_check_hostname(optarg);
			o->hostname = optarg;
			break;
		case 'N':
			if (strcmp(optarg, "veth") != 0 && strcmp(optarg, "none") != 0)
				die("--net %s: MODE is veth or none", quote(optarg));
			o->veth = strcmp(optarg, "veth") == 0;
			o->net_given = true;
			break;
		case 'I':
			ipam_check_request(optarg);
			o->ip = optarg;
			break;
		case 'U':
			if (!userns_parse_range(optarg, &o->uids, &err))
				die("--userns-remap %s: %s", quote(optarg), err.msg);
			o->gids = o->uids;
			o->userns_remap = optarg;
			break;
		case 'm':
			o->limits.memory = opts_parse_memory(optarg);
			break;
		case 'C':
			o->limits.cpus = opts_parse_cpus(optarg);
			break;
		case 'P':
			o->limits.pids = opts_parse_pids(optarg);
			break;
		case 'L':
			if (o->nlayers == MAX_LAYERS)
				die("--layer: at most %d layers", MAX_LAYERS);
			if ((o->layers[o->nlayers] = malloc(PATH_MAX)) == NULL)
				die_errno(NULL, "malloc() for --layer");
			resolve_directory("--layer", optarg, o->layers[o->nlayers++]);
			break;
		}
	}
	if (o->ip && !o->veth)
		die("--ip %s: with --net none there is no eth0 to give it to", quote(o->ip));
	if (optind >= argc)
		die("missing ROOTFS — usage: %s [OPTION]... ROOTFS [CMD [ARG...]]",
		    log_progname());

	/* Everything but --help needs root until step 06 (user namespaces). */
	if (!root && !(features & OPT_USERNS))
		die("must run as root: chroot() and namespaces need privileges — try: sudo %s ...",
		    argv[0]);
	resolve_directory("ROOTFS", argv[optind], o->rootfs);
	o->cmd = optind + 1 < argc ? &argv[optind + 1] : default_cmd;
	if (o->trace)
		trace_enable();
}
