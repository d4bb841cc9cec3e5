#!/usr/bin/env bats
# lib/base/json, from outside through build/json-check: what a valid document
# reads as, and how every kind of broken one is refused — exit 1, nothing on
# stdout, exactly one line on stderr that says where (NAME:LINE:COLUMN) and
# what. Then a seeded fuzz loop on a sanitizer build. No containers here.
#
# `make asan` runs this suite on build/asan (STEPBOX_BIN): a sanitizer report
# is more than one line on stderr, so it fails these tests too.

load helpers
bats_require_minimum_version 1.5.0

BIN=${STEPBOX_BIN:-build}
CORPUS=tests/json-corpus

setup() {
	cd "$TOP" || exit 1
	IN=$BATS_TEST_TMPDIR/in.json
}

# json-check on the file $IN holding exactly the bytes "$1" (printf %s).
check() {
	printf '%s' "$1" >"$IN"
	shift
	run --separate-stderr "$BIN/json-check" "$@" "$IN"
}

# The last check was refused at LINE:COLUMN ($1) with a message containing $2.
refused_at() {
	[ "$status" -eq 1 ] || { echo "status $status, output: $output"; false; }
	[ -z "$output" ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "stderr: $stderr"; false; }
	[[ "$stderr" == "$IN:$1: "*"$2"* ]] || { echo "stderr: $stderr"; false; }
}

@test "json: an OCI config.json reads as one line per leaf, named by its path" {
	run --separate-stderr "$BIN/json-check" $CORPUS/config.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = 'ociVersion = "1.0.2"' ]
	[[ "$output" == *$'\nprocess.args[2] = "echo hello"\n'* ]]
	[[ "$output" == *$'\nprocess.user.additionalGids[1] = 100\n'* ]]
	[[ "$output" == *$'\nmounts[1].options[3] = "size=65536k"\n'* ]]
	[[ "$output" == *$'\nlinux.seccomp.syscalls[1].args[0].value = 4294967295\n'* ]]
	[ "${lines[-1]}" = 'annotations["org.opencontainers.image.ref.name"] = "busybox:latest"' ]
}

@test "json: nested arrays and objects, empty ones too, come out in document order" {
	check ' {"b": [1, [2, {"c": []}], {}], "a": {"z": null, "y": [true, false]}} '
	[ "$status" -eq 0 ]
	[ "$output" = 'b[0] = 1
b[1][0] = 2
b[1][1].c = []
b[2] = {}
a.z = null
a.y[0] = true
a.y[1] = false' ]
}

@test "json: a scalar alone is a document, and whitespace around it is fine" {
	check $'\t\r\n 42 \n'
	[ "$status" -eq 0 ]
	[ "$output" = '. = 42' ]
	check '"just a string"'
	[ "$output" = '. = "just a string"' ]
}

@test "json: escapes decode, and are written back as JSON escapes" {
	check '["\"\\\/\b\f\n\r\t", "\u001b[31m", "a\u0041\u00e9"]'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '[0] = "\"\\/\b\f\n\r\t"' ]
	[ "${lines[1]}" = '[1] = "\u001b[31m"' ]
	[ "${lines[2]}" = '[2] = "aAé"' ]
}

@test "json: \\u escapes and raw UTF-8 are the same text; a surrogate pair is one character" {
	check '{"raw": "é€😀", "escaped": "\u00e9\u20ac\ud83d\ude00", "upper": "\uD83D\uDE00"}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'raw = "é€😀"' ]
	[ "${lines[1]}" = 'escaped = "é€😀"' ]
	# U+1F600 is the four bytes f0 9f 98 80 in UTF-8.
	[ "${lines[2]}" = $'upper = "\xf0\x9f\x98\x80"' ]
}

@test "json: big integers stay exact: a memory limit, the int64 and uint64 ends" {
	check '[9223372036854771712, 9223372036854775807, -9223372036854775808, 18446744073709551615, -1]'
	[ "$status" -eq 0 ]
	[ "$output" = '[0] = 9223372036854771712
[1] = 9223372036854775807
[2] = -9223372036854775808
[3] = 18446744073709551615
[4] = -1' ]
	run "$BIN/json-check" --get uint64 linux.resources.memory.limit $CORPUS/config.json
	[ "$status" -eq 0 ]
	[ "$output" = 9223372036854771712 ]
	run "$BIN/json-check" --get int64 linux.resources.memory.swap $CORPUS/config.json
	[ "$output" = -1 ]
}

@test "json: fractions and exponents are doubles; past uint64 an integer is a double too" {
	check '[-1.5, 1e3, 1E+2, 2.5e-3, -2.5E-3, 0.1, -0, 18446744073709551616, 5e-324]'
	[ "$status" -eq 0 ]
	[ "$output" = '[0] = -1.5
[1] = 1000
[2] = 100
[3] = 0.0025
[4] = -0.0025
[5] = 0.1
[6] = 0
[7] = 1.8446744073709552e+19
[8] = 5e-324' ]
}

@test "json: the typed getter names the member's path: process.args[2]: expected a string" {
	run --separate-stderr "$BIN/json-check" --get string process.args.2 $CORPUS/config.json
	[ "$status" -eq 0 ]
	[ "$output" = '"echo hello"' ]
	check '{"process": {"args": ["sh", "-c", 3]}}'
	run --separate-stderr "$BIN/json-check" --get string process.args.2 "$IN"
	refused_at 1:35 'process.args[2]: expected a string, found a number'
	run --separate-stderr "$BIN/json-check" --get object process.args "$IN"
	refused_at 1:14 'process.args: expected an object, found an array'
}

@test "json: a missing member is named; null counts as missing, as in Go" {
	check $'{"process": {\n  "args": null, "cwd": "/"}}'
	run --separate-stderr "$BIN/json-check" --get string process.user "$IN"
	refused_at 1:2 'process.user: missing'
	run --separate-stderr "$BIN/json-check" --get array process.args "$IN"
	refused_at 1:2 'process.args: missing'
	run --separate-stderr "$BIN/json-check" --get string process.cwd "$IN"
	[ "$status" -eq 0 ]
	[ "$output" = '"/"' ]
}

@test "json: an integer getter refuses 1.5, 1e3, a negative uid and an int64 overflow" {
	check '{"a": 1.5, "b": 1e3, "uid": -1, "big": 18446744073709551615}'
	run --separate-stderr "$BIN/json-check" --get int64 a "$IN"
	refused_at 1:2 'a: expected an integer from -2^63 to 2^63-1, found 1.5'
	run --separate-stderr "$BIN/json-check" --get int64 b "$IN"
	refused_at 1:12 'b: expected an integer'
	run --separate-stderr "$BIN/json-check" --get uint64 uid "$IN"
	refused_at 1:22 'uid: expected an integer from 0 to 2^64-1, found -1'
	run --separate-stderr "$BIN/json-check" --get int64 big "$IN"
	refused_at 1:33 'big: expected an integer from -2^63 to 2^63-1'
	run --separate-stderr "$BIN/json-check" --get uint64 big "$IN"
	[ "$output" = 18446744073709551615 ]
}

@test "json: an error names line and column in a file of many lines" {
	check $'{\n  "ociVersion": "1.0.2",\n  "process": {"cwd": "/" "args": []}\n}'
	refused_at 3:26 "expected ',' or '}' after an object member, found '\"'"
}

@test "json: a truncated document is refused where it ends" {
	local doc cut
	doc='{"process": {"args": ["sh", "-c"], "cwd": "/", "x": true}}'
	for cut in 1 2 12 13 21 22 26 27 43 56 57; do
		check "${doc:0:$cut}"
		[ "$status" -eq 1 ] || { echo "accepted: ${doc:0:$cut}"; false; }
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "$IN:1:"[0-9]*": "* ]]
	done
	check '{"a": tru'
	refused_at 1:7 "expected a value, found 't'"
	check '["abc'
	refused_at 1:2 'a string without its closing quote'
}

@test "json: anything after the document is refused" {
	check '{"a": 1} {"b": 2}'
	refused_at 1:10 "unexpected '{' after the end of the document"
	check $'[1]\n\nx'
	refused_at 3:1 "unexpected 'x' after the end of the document"
}

@test "json: a trailing comma is refused, in an array and in an object" {
	check '[1, 2,]'
	refused_at 1:7 "a trailing comma is not allowed before ']'"
	check '{"a": 1,}'
	refused_at 1:9 "a trailing comma is not allowed before '}'"
	check '[1,,2]'
	refused_at 1:4 "expected a value, found ','"
}

@test "json: leading zeros are refused; 0, -0 and 0.5 are not leading zeros" {
	check '[007]'
	refused_at 1:2 'a number must not start with a 0'
	check '[-01]'
	refused_at 1:2 'a number must not start with a 0'
	check '[0, -0, 0.5, 0e1]'
	[ "$status" -eq 0 ]
}

@test "json: what JavaScript takes and JSON does not is refused: +1, .5, 1., NaN, hex, quotes, comments" {
	check '[+1]'
	refused_at 1:2 "expected a value, found '+'"
	check '[.5]'
	refused_at 1:2 "expected a value, found '.'"
	check '[1.]'
	refused_at 1:4 "expected a digit after '.', found ']'"
	check '[1e+]'
	refused_at 1:5 "expected a digit in the exponent, found ']'"
	check '[NaN]'
	refused_at 1:2 "expected a value, found 'N'"
	check '[0x10]'
	refused_at 1:3 "expected ',' or ']' after an array item, found 'x'"
	check "{'a': 1}"
	refused_at 1:2 "expected a member name (a string), found '''"
	check '[1] // note'
	refused_at 1:5 "unexpected '/' after the end of the document"
	check '"\x41"'
	refused_at 1:2 "unknown escape: a backslash followed by 'x'"
}

@test "json: a number too large for a double is refused; one too small becomes 0" {
	check '[1e999]'
	refused_at 1:2 'the number 1e999 is too large for a double'
	check '[-1e999]'
	refused_at 1:2 'too large for a double'
	check '[1e-999]'
	[ "$status" -eq 0 ]
	[ "$output" = '[0] = 0' ]
}

@test "json: a raw control character in a string is refused: tab, newline, ESC" {
	check $'["a\tb"]'
	refused_at 1:4 'a control character (byte 0x09) in a string'
	check $'{"a\nb": 1}'
	refused_at 1:4 'a control character (byte 0x0a) in a string'
	check $'["\e[31m"]'
	refused_at 1:3 'a control character (byte 0x1b) in a string'
}

@test "json: invalid UTF-8 is refused: a stray byte, overlong NUL, encoded surrogate, cut sequence, past U+10FFFF" {
	local bad
	for bad in $'\xff' $'\x80' $'\xc0\x80' $'\xe0\x80\xaf' $'\xed\xa0\x80' $'\xe2\x82' $'\xf4\x90\x80\x80' $'\xf8\x88\x80\x80\x80'; do
		check "[\"ab${bad}c\"]"
		refused_at 1:5 'invalid UTF-8 (byte 0x'
	done
	check $'{"k\xff": 1}'
	refused_at 1:4 'invalid UTF-8 (byte 0xff) in a string'
	check $'[\xc3\xa9]'
	refused_at 1:2 'expected a value, found byte 0xc3'
}

@test "json: a lone UTF-16 surrogate is refused, high or low" {
	check '["\ud800"]'
	refused_at 1:3 'a lone surrogate: \uD800 must be followed by a low surrogate'
	check '["\ud83dx"]'
	refused_at 1:3 'a lone surrogate'
	check '["\ud83d\u0041"]'
	refused_at 1:3 'a lone surrogate'
	check '["\ude00\ud83d"]'
	refused_at 1:3 'a lone surrogate: \uDE00 without a high surrogate before it'
	check '["\u12"]'
	refused_at 1:3 'expected 4 hex digits after \u'
}

@test "json: \\u0000 is refused, in a value and in a key: a C string would end there" {
	check '["ab\u0000cd"]'
	refused_at 1:5 '\u0000 is not allowed: a C string would end there'
	check '{"ab\u0000": 1}'
	refused_at 1:5 '\u0000 is not allowed'
	printf '["a\0b"]' >"$IN"
	run --separate-stderr "$BIN/json-check" "$IN"
	refused_at 1:4 'a control character (byte 0x00) in a string'
}

@test "json: a duplicate key is refused at its second place, even far apart; the same key in two objects is fine" {
	check $'{"uid": 0,\n "gid": 0,\n "uid": 1000}'
	refused_at 3:2 'the key "uid" is already in this object'
	check '{"b": 1, "a": 2, "b": 3, "a": 4}'
	refused_at 1:18 'the key "b" is already in this object'
	check '{"\u0061": 1, "a": 2}'
	refused_at 1:15 'the key "a" is already in this object'
	check '{"a": {"a": {"a": 1}}, "b": {"a": 2}}'
	[ "$status" -eq 0 ]
}

@test "json: 10000 nested arrays are refused at the depth limit, without a crash" {
	printf '%.0s[' {1..10000} >"$IN"
	run --separate-stderr "$BIN/json-check" "$IN"
	refused_at 1:65 'nested deeper than 64 levels (the limit)'
	printf '%.0s{"a":' {1..10000} >"$IN"
	run --separate-stderr "$BIN/json-check" "$IN"
	refused_at 1:321 'nested deeper than 64 levels (the limit)'
}

@test "json: 64 levels are fine, 65 are not; with the limit raised 10000 levels parse (no recursion)" {
	check "$(printf '%.0s[' {1..64})$(printf '%.0s]' {1..64})"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%.0s[0]' {1..63}) = []" ]
	check "$(printf '%.0s[' {1..65})$(printf '%.0s]' {1..65})"
	refused_at 1:65 'nested deeper than 64 levels'
	check "$(printf '%.0s[' {1..10000})1$(printf '%.0s]' {1..10000})"
	run --separate-stderr "$BIN/json-check" --max-depth 10000 "$IN"
	[ "$status" -eq 0 ]
	[[ "$output" == *'[0][0][0] = 1' ]]
}

@test "json: a 10 MiB document is refused by its size before it is read (no line:column: it is the whole file)" {
	# A valid document: only its size is wrong.
	{ printf '['; head -c $((10 << 20)) /dev/zero | tr '\0' ' '; printf '1]'; } >"$IN"
	run --separate-stderr "$BIN/json-check" "$IN"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "$IN: 10485763 bytes, more than the limit of 4194304" ]
	run --separate-stderr "$BIN/json-check" - <"$IN"
	[ "$status" -eq 1 ]
	[ "$stderr" = "<stdin>: 4194305 bytes, more than the limit of 4194304" ]
	run --separate-stderr "$BIN/json-check" --max-size 20000000 "$IN"
	[ "$status" -eq 0 ]
	[ "$output" = '[0] = 1' ]
}

@test "json: a document of 200000 values is refused at the values limit" {
	{ printf '['; for _ in {1..2000}; do printf '0,%.0s' {1..100}; done; printf '0]'; } >"$IN"
	run --separate-stderr "$BIN/json-check" "$IN"
	# The array is a value too: the 100000th 0 is the 100001st value.
	refused_at 1:200000 'more than 100000 values (the limit)'
	run --separate-stderr "$BIN/json-check" --max-values 300000 "$IN"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 200001 ]
}

@test "json: empty input, or only whitespace, is refused: no document" {
	check ''
	refused_at 1:1 'expected a value, found the end of the input'
	check $'  \n\t '
	refused_at 2:3 'expected a value, found the end of the input'
}

@test "json: a byte order mark is refused (RFC 8259 8.1; Go refuses it too)" {
	check $'\xef\xbb\xbf{"a": 1}'
	refused_at 1:1 'a byte order mark (U+FEFF) is not allowed'
}

@test "json: a missing file, a directory or a FIFO is one line, exit 1; bad usage exits 2" {
	run --separate-stderr "$BIN/json-check" "$BATS_TEST_TMPDIR/none.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$BATS_TEST_TMPDIR/none.json: open: No such file or directory" ]
	run --separate-stderr "$BIN/json-check" "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$BATS_TEST_TMPDIR: not a regular file" ]
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run --separate-stderr timeout 5 "$BIN/json-check" "$BATS_TEST_TMPDIR/fifo"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$BATS_TEST_TMPDIR/fifo: not a regular file" ]
	run -2 "$BIN/json-check" --bogus "$IN"
	run -2 "$BIN/json-check" --max-depth x "$IN"
	run -2 "$BIN/json-check" --get nothing a "$IN"
	run -2 "$BIN/json-check" a.json b.json
}

@test "json: every document of the corpus (config, manifest, index, image config) reads" {
	local f
	for f in "$CORPUS"/*.json; do
		run --separate-stderr "$BIN/json-check" "$f"
		[ "$status" -eq 0 ] || { echo "$f: $stderr"; false; }
		[ -z "$stderr" ]
	done
	run "$BIN/json-check" --get string 0.Layers.0 $CORPUS/manifest.json
	[ "$output" = '"3f9a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a/layer.tar"' ]
	run "$BIN/json-check" --get uint64 manifests.0.size $CORPUS/index.json
	[ "$output" = 7143 ]
}

# Build json-fuzz with ASan and UBSan into $1 from json.c at $2 (default
# lib/base/json.c), as the Makefile does: every allocation of the tree exact.
build_fuzzer() {
	"${CC:-cc}" -std=gnu11 -Wall -Wextra -O1 -g -Ilib -DJSON_CHUNK_SIZE=1 \
		-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
		-o "$1" tests/tools/json-fuzz.c "${2:-lib/base/json.c}"
}

# json-fuzz -n $1 over the corpus, with sanitizer reports as exit statuses.
fuzz() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98 \
		run --separate-stderr "$FUZZ" -n "$1" -s 1 $CORPUS/*.json
}

@test "json: 20000 seeded mutations of the corpus, under ASan and UBSan: no report, no broken promise" {
	# make asan's build, or one made here.
	FUZZ=${STEPBOX_BIN:+$STEPBOX_BIN/json-fuzz}
	if [ -z "$FUZZ" ]; then
		FUZZ=$BATS_TEST_TMPDIR/json-fuzz
		build_fuzzer "$FUZZ"
	fi
	fuzz 20000
	[ "$status" -eq 0 ] || { echo "$stderr" | head -40; false; }
	[ -z "$stderr" ]
	# Most inputs break, but not all: both sides of the reader are exercised.
	[[ "$output" =~ ^json-fuzz:\ 20000\ inputs\ \(seed\ 1\):\ ([0-9]+)\ parsed,\ ([0-9]+)\ refused$ ]]
	[ "${BASH_REMATCH[1]}" -gt 500 ]
	[ "${BASH_REMATCH[2]}" -gt 10000 ]
}

@test "json: the fuzz loop catches a reader that writes one byte past a string" {
	# A loop that cannot fail would prove nothing: give json.c an off-by-one
	# (no room for the NUL of a string) and the same loop must report it.
	sed 's|arena_alloc(ps->doc, (size_t)(close - s) + 1)|arena_alloc(ps->doc, (size_t)(close - s))|' \
		lib/base/json.c >"$BATS_TEST_TMPDIR/json.c"
	run ! cmp -s lib/base/json.c "$BATS_TEST_TMPDIR/json.c"
	FUZZ=$BATS_TEST_TMPDIR/broken-fuzz
	build_fuzzer "$FUZZ" "$BATS_TEST_TMPDIR/json.c"
	fuzz 1000
	[ "$status" -eq 99 ]
	[[ "$stderr" == *'ERROR: AddressSanitizer: heap-buffer-overflow'* ]]
}
