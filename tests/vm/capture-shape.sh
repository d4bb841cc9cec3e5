#!/usr/bin/env bash
# Keep the lecture notes' v2 captures true. The reference is
# lecture-notes/captures/v2.txt, a whole run of tests/vm/capture-notes.sh in
# the v2 lane (VM_CAPTURE mode of tests/vm/run.sh). Two checks, both on the
# *shape* of the output, so a new run's PIDs and times do not matter:
#
#   capture-shape.sh compare REFERENCE FRESH
#       A fresh capture against the reference, section by section: the same
#       sections and commands in the same order, and each command's output
#       the same lines once normalised (in any order: the CLI, the shim and
#       the container print as the scheduler lets them).
#   capture-shape.sh notes REFERENCE QUOTED
#       The notes' quoted blocks against the reference. QUOTED lists the
#       blocks (lecture-notes/captures/quoted: a note, the number of its
#       first commands that are quoted from the reference when the rest are
#       not, and the first line of its block). Each command of a block must be a command of the
#       reference, in the reference's order (the notes may leave commands
#       out); each quoted output line must be the reference's line for that
#       command, in order, line after line, except where the note marks a
#       cut with a line that starts with "..." (indented or not). Quoted
#       lines in another order pass if each is one of the command's lines.
#   capture-shape.sh normalise [FILE]
#       The normalised lines, to see what the checks compare.
#
# Normalised: CR dropped; runs of blanks made one space, none at the ends
# (nor after a trace line's "["); a 64-digit id shortened as the notes do
# (0760…2543), a hex number (0x…), and every alphanumeric word of hex
# digits with a digit in it (ids, short ids, ETags) become N, then every
# other run of digits (PIDs, times, dates, addresses, namespace inodes)
# becomes N too, with its sign; weekday and month names become Day and Mon;
# docker's "Less than a second", "About a minute", "N seconds" become
# "N <time>"; a container's generated name (brave_lovelace2) becomes NAME.
# Two lines of the shim's teardown come or not with its timing: the host
# lock's flock() counts by presence, not number, and the veth's
# "nomaster" is not compared (see repeatable() and optional() below). Dropped from both sides, since they come out
# whenever the process that prints them gets there: the kernel's own
# console lines ([   18.229268] ...) and the two lines the shim prints when
# it removes the empty bridge after the CLI has returned (08's note says why).
# Exit status: 0 same shape, 1 a difference (each one printed), 2 misuse.
set -euo pipefail

usage() { sed -n '2,/^set /s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# The awk program shared by the three modes: normalise() and the parser of
# a capture (sections, "$ " commands, their output).
common='
function normalise(line,    out, word, rest, n) {
	gsub(/\r/, "", line)
	gsub(/[ \t]+/, " ", line)
	gsub(/\[ /, "[", line)   # "[ 999.1 ms]", "[1000.1 ms]"
	sub(/^ /, "", line)
	sub(/ $/, "", line)
	gsub(/0x[0-9a-f]+/, "N", line)
	gsub(/[0-9a-f]+…[0-9a-f]+/, "N", line)
	# Every alphanumeric word: hex digits with a digit in it -> N; a
	# weekday or month name -> Day / Mon.
	out = ""
	rest = line
	while (match(rest, /[0-9A-Za-z]+/)) {
		word = substr(rest, RSTART, RLENGTH)
		out = out substr(rest, 1, RSTART - 1)
		if (word ~ /^[0-9a-f]+$/ && word ~ /[0-9]/) word = "N"
		else if (word ~ /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)$/) word = "Day"
		else if (word ~ /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/) word = "Mon"
		out = out word
		rest = substr(rest, RSTART + RLENGTH)
	}
	line = out rest
	gsub(/[0-9]+/, "N", line)
	gsub(/(^| )-N/, " N", line)   # a sign: a random key printed in decimal
	sub(/^ /, "", line)
	gsub(/Less than a second/, "N seconds", line)
	gsub(/About an? (minute|hour)/, "N minutes", line)
	gsub(/N (second|minute|hour|day|week|month|year)s?/, "N <time>", line)
	gsub(/\([a-z]+_[a-z]+N?\)/, "(NAME)", line)
	return line
}
# Lines a run prints or not, as its timing makes it: when the shim tears
# down and the kernel has not yet deleted the veth, bridge_unplug()
# (lib/runtime/bridge.c) takes the host lock once more and takes the veth
# out of the bridge. The lock'"'"'s line counts by presence, not number; the
# other one is not compared.
function repeatable(line) {
	return line ~ /\] flock\("\/run\/stepbox", LOCK_EX\)$/
}
function optional(line) {
	return line ~ /\] netlink RTM_NEWLINK sb-N nomaster$/
}
# Lines printed by another process whenever it gets there: not compared.
function floating(line) {
	return line ~ /^\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] / ||
	       line ~ /\] netlink RTM_DELLINK stepbox0\r?$/ ||
	       line ~ /\] stepbox0: its last port is gone, and so is the bridge\r?$/
}
# A capture into arrays: for command i (1..ncmd) its section sec[i], its
# text cmd[i], its output lines out[i, 1..nout[i]] normalised, trailing
# empty lines dropped; sections in order in secname[1..nsec].
function load(file, prefix,    line, i, s) {
	i = 0; s = 0
	while ((getline line < file) > 0) {
		sub(/\r$/, "", line)
		if (line ~ /^=== .* ===$/) {
			s++
			C[prefix, "secname", s] = substr(line, 5, length(line) - 8)
		} else if (line ~ /^\$ /) {
			i++
			C[prefix, "cmd", i] = substr(line, 3)
			C[prefix, "sec", i] = s
			C[prefix, "nout", i] = 0
		} else if (i > 0 && !floating(line)) {
			C[prefix, "out", i, ++C[prefix, "nout", i]] = normalise(line)
		}
	}
	close(file)
	C[prefix, "ncmd"] = i
	C[prefix, "nsec"] = s
	for (i = 1; i <= C[prefix, "ncmd"]; i++)
		while (C[prefix, "nout", i] > 0 && C[prefix, "out", i, C[prefix, "nout", i]] == "")
			C[prefix, "nout", i]--
}
'

mode=${1:-}
case $mode in
normalise)
	awk "$common"'{ if (!floating($0)) print normalise($0) }' "${2:--}"
	;;
compare)
	[ $# -eq 3 ] || usage
	awk -v ref="$2" -v fresh="$3" "$common"'
	function fail(msg) { print msg; bad++ }
	BEGIN {
		load(ref, "r"); load(fresh, "f")
		if (C["r", "ncmd"] == 0) { print "no command in " ref; exit 2 }
		ns = C["r", "nsec"] > C["f", "nsec"] ? C["r", "nsec"] : C["f", "nsec"]
		for (s = 1; s <= ns; s++)
			if (C["r", "secname", s] != C["f", "secname", s])
				fail("section " s ": \"" C["r", "secname", s] "\" in the reference, \"" C["f", "secname", s] "\" in the fresh capture")
		n = C["r", "ncmd"] > C["f", "ncmd"] ? C["r", "ncmd"] : C["f", "ncmd"]
		for (i = 1; i <= n; i++) {
			where = "section " C["r", "secname", C["r", "sec", i]] ", command " i
			if (C["r", "cmd", i] != C["f", "cmd", i]) {
				fail(where ": the commands differ\n  reference: " C["r", "cmd", i] "\n  fresh:     " C["f", "cmd", i])
				break   # the rest would differ too
			}
			a = C["r", "nout", i]; b = C["f", "nout", i]
			same = (a == b)
			for (j = 1; j <= a && same; j++)
				same = (C["r", "out", i, j] == C["f", "out", i, j])
			if (same) continue
			# The same lines in another order pass: the processes of
			# one run (CLI, shim, container) print in the order the
			# scheduler lets them. A line missing, added or changed does not.
			split("", count); split("", inref); split("", infresh)
			for (j = 1; j <= a; j++) { count[C["r", "out", i, j]]++; inref[C["r", "out", i, j]] = 1 }
			for (j = 1; j <= b; j++) { count[C["f", "out", i, j]]--; infresh[C["f", "out", i, j]] = 1 }
			diffs = ""
			for (line in count)
				if (optional(line)) continue
				else if (repeatable(line) && (line in inref) && (line in infresh)) continue
				else if (count[line] > 0) diffs = diffs "\n  only in the reference: " line
				else if (count[line] < 0) diffs = diffs "\n  only in the fresh run: " line
			if (diffs != "") fail(where ", output of $ " C["r", "cmd", i] diffs)
		}
		printf "%d sections, %d commands compared: %s\n", C["r", "nsec"], C["r", "ncmd"], \
			bad ? bad " difference(s)" : "the same shape"
		exit bad ? 1 : 0
	}'
	;;
notes)
	[ $# -eq 3 ] || usage
	notes_dir=$(dirname "$3")/..
	awk -v ref="$2" -v quoted="$3" -v dir="$notes_dir" "$common"'
	function fail(msg) { print where ": " msg; bad++ }
	# The fenced block of FILE whose first line is FIRST, into B[1..nb].
	function block(file, first,    line, infence, found, taking) {
		nb = 0; found = 0; infence = 0; taking = 0
		while ((getline line < file) > 0) {
			if (line ~ /^ *```/) {
				if (taking) taking = 0
				infence = !infence
				justopened = infence
				continue
			}
			if (infence && justopened && line == first) { found++; taking = (found == 1) }
			justopened = 0
			if (taking) B[++nb] = line
		}
		close(file)
		return found
	}
	# Does the quoted output q[1..nq] (cuts: "...") match command c of the
	# reference? The first line must be the reference'"'"'s first unless a cut
	# comes before it; after a cut, anything may be skipped.
	function matches(c,    j, k, cut, want) {
		j = 1; cut = 0
		for (k = 1; k <= nq; k++) {
			if (q[k] == "...") { cut = 1; continue }
			want = q[k]
			if (cut) {
				while (j <= C["r", "nout", c] && C["r", "out", c, j] != want) j++
				cut = 0
			}
			if (j > C["r", "nout", c] || C["r", "out", c, j] != want)
				return unordered(c)
			j++
		}
		return 1
	}
	# The quoted lines in another order, as a run with other timing would
	# have printed them: each must still be one of the command'"'"'s lines.
	function unordered(c,    j, k) {
		split("", left)
		for (j = 1; j <= C["r", "nout", c]; j++) left[C["r", "out", c, j]]++
		for (k = 1; k <= nq; k++) {
			if (q[k] == "...") continue
			if (left[q[k]] > 0) { if (!repeatable(q[k])) left[q[k]]--; continue }
			if (optional(q[k])) continue
			miss = "quoted line \"" q[k] "\" is not in its output"
			return 0
		}
		return 1
	}
	# Check the commands of the block B against the reference, in order.
	function check_block(limit,    k, pos, c, found, ncmds) {
		pos = 1; k = 1; ncmds = 0
		while (k <= nb && (limit == 0 || ncmds < limit)) {
			ncmds++
			if (B[k] !~ /^\$ /) { fail("line " k " of the block is not a command: " B[k]); return }
			cmd = substr(B[k], 3); k++
			nq = 0
			while (k <= nb && B[k] !~ /^\$ /) {
				if (!floating(B[k]))
					q[++nq] = (B[k] ~ /^[ \t]*\.\.\./) ? "..." : normalise(B[k])
				k++
			}
			while (nq > 0 && q[nq] == "") nq--
			# The next command of the reference with this text whose
			# output the quote matches.
			found = 0
			for (c = pos; c <= C["r", "ncmd"] && !found; c++)
				if (C["r", "cmd", c] == cmd && matches(c)) { found = 1; pos = c + 1 }
			if (!found) {
				for (c = pos; c <= C["r", "ncmd"]; c++) if (C["r", "cmd", c] == cmd) break
				if (c > C["r", "ncmd"]) fail("$ " cmd "\n  is not a command of the reference after the previous one")
				else fail("$ " cmd "\n  " miss)
				return
			}
		}
	}
	BEGIN {
		load(ref, "r")
		while ((getline line < quoted) > 0) {
			if (line ~ /^#/ || line !~ /[^ \t]/) continue
			file = line; sub(/[ \t].*/, "", file)
			first = line; sub(/^[^ \t]+[ \t]+/, "", first)
			limit = 0
			if (first ~ /^[0-9]+[ \t]/) {
				limit = first + 0
				sub(/^[0-9]+[ \t]+/, "", first)
			}
			where = file ": block " first
			blocks++
			n = block(dir "/" file, first)
			if (n == 0) { fail("no fenced block starts with this line"); continue }
			if (n > 1) { fail(n " blocks start with this line"); continue }
			check_block(limit)
		}
		if (blocks == 0) { print "no block listed in " quoted; exit 2 }
		printf "%d quoted blocks checked against %s: %s\n", blocks, ref, \
			bad ? bad " not from it" : "all from it"
		exit bad ? 1 : 0
	}'
	;;
*)
	usage
	;;
esac
