#!/bin/sh
# make diff STEP=NN: what step NN adds to step NN-1 — the diff of the two
# main.c files, then the lib/ functions NN calls that NN-1 did not, each
# with the file and line that defines it:
#
#   net_configure_eth0            lib/kernel/net.c:212
#
# A call is a name followed by "(" in the code (comments and strings are
# left out); a lib/ function is one defined at the start of a line of
# lib/*/*.c, its return type before it on the same line or the line above.
#
#   steps/tools/diff-step.sh NN     exit 0, or 2 with a usage message
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."

usage() {
	echo "$1"
	exit 2
}

# The directory of step number $1 (steps/04-mount-overlay), or nothing.
step_dir() {
	for d in steps/"$(printf '%02d' "$1")"-*; do
		if [ -d "$d" ]; then
			echo "$d"
			return
		fi
	done
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	usage "usage: make diff STEP=NN, e.g. make diff STEP=04"
fi
n=$(echo "$1" | sed 's/^0*//')
case "$n" in *[!0-9]*|"") usage "STEP must be a step number, like 04" ;; esac
cur=$(step_dir "$n")
prev=$(step_dir $((n - 1)))
if [ -z "$cur" ] || [ ! -f "$cur/main.c" ]; then
	usage "no step $1 in steps/"
fi
if [ ! -f "$prev/main.c" ]; then
	echo "$cur is the first step: read $cur/main.c"
	exit 0
fi

# The names called in a C file, one per line, sorted: comments, string and
# character literals removed first, so "see fs_pivot_into()" in a comment
# does not count.
calls() {
	awk '
	{
		out = ""
		for (i = 1; i <= length($0); i++) {
			ch = substr($0, i, 1); two = substr($0, i, 2)
			if (incomment) {
				if (two == "*/") { incomment = 0; i++ }
				continue
			}
			if (quote != "") {
				if (ch == "\\") i++
				else if (ch == quote) quote = ""
				continue
			}
			if (two == "/*") { incomment = 1; i++; out = out " "; continue }
			if (two == "//") break
			if (ch == "\"" || ch == "\047") { quote = ch; out = out " "; continue }
			out = out ch
		}
		print out
	}' "$1" |
		grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' |
		sed 's/[[:space:]]*($//' | sort -u
}

# The functions lib/*/*.c defines: "name file:line", one per line.
definitions() {
	awk '
	FNR == 1 { above = "" }
	# name( at the start of a line, its return type on the line above.
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && above ~ /^[A-Za-z_]/ && above !~ /^static/ &&
	    above !~ /[;{})]/ {
		name = $0; sub(/\(.*/, "", name)
		print name, FILENAME ":" FNR
	}
	# type name( on one line, not static, not a declaration.
	/^[A-Za-z_][^(=;]*[^A-Za-z0-9_(=;][A-Za-z_][A-Za-z0-9_]*\(/ && !/^static/ &&
	    !/^(typedef|extern|return)[^A-Za-z0-9_]/ && !/;[[:space:]]*$/ {
		name = $0; sub(/\(.*/, "", name); sub(/.*[^A-Za-z0-9_]/, "", name)
		print name, FILENAME ":" FNR
	}
	{ above = $0 }' lib/*/*.c | sort -k1,1 -u
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The exercise markers (make exercise) are comments of one step, not a change.
strip_exercises() {
	grep -vE '^[[:space:]]*/\* (end )?exercise [0-9]+[ :]' "$1" || true
}
strip_exercises "$prev/main.c" >"$tmp/prev.c"
strip_exercises "$cur/main.c" >"$tmp/cur.c"
diff -u --label "$prev/main.c" --label "$cur/main.c" "$tmp/prev.c" "$tmp/cur.c" || [ $? -eq 1 ]
calls "$prev/main.c" >"$tmp/prev"
calls "$cur/main.c" >"$tmp/cur"
definitions >"$tmp/defs"
comm -13 "$tmp/prev" "$tmp/cur" | join - "$tmp/defs" >"$tmp/new"

echo
if [ -s "$tmp/new" ]; then
	echo "lib/ functions that $(basename "$cur") calls and $(basename "$prev") did not:"
	# By layer, the kernel's first: what the lecture adds to the kernel calls,
	# then the runtime (08's shim and state), the front end, the messages.
	awk '{ rank = $2 ~ /^lib\/kernel/ ? 1 : $2 ~ /^lib\/runtime/ ? 2 : $2 ~ /^lib\/frontend/ ? 3 : 4
	       split($2, part, "/")
	       printf "%d %s %-30s %s\n", rank, part[2], $1, $2 }' "$tmp/new" | sort -k1,1n -k3,3 |
		awk '$2 != layer { layer = $2; print "  " layer "/" } { printf "    %-30s %s\n", $3, $4 }'
else
	echo "$(basename "$cur") calls no lib/ function that $(basename "$prev") did not."
fi
