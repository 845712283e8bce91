#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# "meson install --destdir" into a staging directory: the programs, the config
# file, the unit's environment file, the systemd unit, the logrotate rule and
# the man page land where meson's options say; the staged fintrack runs; the
# man page renders and lists every option --help lists; systemd-analyze
# verify accepts the unit (77 if systemd-analyze is missing, for that part).
#
# Environment: BUILD_ROOT (the build directory). Exit 0 pass, 1 fail.

set -u
work=$(mktemp -d /tmp/ft-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage=$work/stage

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

opt() {
	meson introspect "$BUILD_ROOT" --buildoptions |
		python3 -c "import json, sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name'] == '$1'))"
}

# An absolute directory from meson's prefix and an option relative to it.
dir_of() {
	local d
	d=$(opt "$1")
	case $d in
	/*) echo "$d" ;;
	*) echo "$prefix/$d" ;;
	esac
}

meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$stage" >"$work/log" 2>&1 ||
	{ cat "$work/log"; fail "meson install --destdir"; }
prefix=$(opt prefix)
bindir=$(dir_of bindir)
sysconfdir=$(dir_of sysconfdir)
mandir=$(dir_of mandir)
unitdir=$(opt systemdunitdir)
[ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system

for f in "$bindir/fintrack" "$bindir/ft-tracegen"; do
	[ -x "$stage$f" ] || fail "$f not installed"
done
for f in "$sysconfdir/fintrack/fintrack.ini" "$sysconfdir/default/fintrack" \
	"$sysconfdir/logrotate.d/fintrack" "$unitdir/fintrack.service" "$mandir/man8/fintrack.8"; do
	[ -s "$stage$f" ] || fail "$f not installed"
done
echo "ok: installed under $stage: $bindir/{fintrack,ft-tracegen}, $sysconfdir/fintrack/fintrack.ini," \
	"$sysconfdir/default/fintrack, $sysconfdir/logrotate.d/fintrack, $unitdir/fintrack.service," \
	"$mandir/man8/fintrack.8"
# Nothing of the tests or benchmarks is installed.
find "$stage" -type f | grep -Eq '/(test_|ft-bench|ft-check|ft-man|ft-pcap-send)' &&
	fail "a test or build tool was installed"

# The staged program runs, knows its version and where its config file is.
fin="$stage$bindir/fintrack"
"$fin" --version | grep -q "^fintrack $(meson introspect "$BUILD_ROOT" --projectinfo |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')\$" || fail "fintrack --version"
"$fin" --help >"$work/help" || fail "fintrack --help"
grep -q "Without --config, fintrack reads $sysconfdir/fintrack/fintrack.ini if it exists" "$work/help" ||
	fail "--help does not name the default config file $sysconfdir/fintrack/fintrack.ini"

# The unit starts the installed program with the installed config and environment.
unit="$stage$unitdir/fintrack.service"
grep -q "^ExecStart=$bindir/fintrack \$FINTRACK_EAL_ARGS -- --config $sysconfdir/fintrack/fintrack.ini \$FINTRACK_ARGS\$" \
	"$unit" || fail "ExecStart: $(grep ExecStart= "$unit")"
grep -q "^EnvironmentFile=-$sysconfdir/default/fintrack\$" "$unit" || fail "EnvironmentFile"
grep -q "^ExecReload=/bin/kill -HUP \$MAINPID\$" "$unit" || fail "ExecReload"
{ grep -q "^After=dpdk.service" "$unit" && grep -q "^Wants=dpdk.service" "$unit"; } ||
	fail "not after dpdk.service"

# The man page renders without a warning and lists every option of --help.
man="$stage$mandir/man8/fintrack.8"
if command -v groff >/dev/null; then
	groff -ww -z -man "$man" 2>"$work/groff" || fail "groff"
	[ -s "$work/groff" ] && { cat "$work/groff"; fail "the man page has roff warnings"; }
	MANWIDTH=200 man -l "$man" 2>/dev/null >"$work/man.txt" || fail "man -l"
else
	sed 's/\\-/-/g' "$man" >"$work/man.txt"
fi
n=0
while read -r o; do
	grep -q -- "$o" "$work/man.txt" || fail "the man page lacks $o"
	n=$((n + 1))
done < <(grep -oE '^  (-[a-zA-Z], )?--[a-z0-9-]+' "$work/help" | grep -oE -- '--[a-z0-9-]+')
[ "$n" -ge 30 ] || fail "only $n options in --help"
grep -q "$sysconfdir/fintrack/fintrack.ini" "$work/man.txt" || fail "the man page lacks the config path"
echo "ok: the man page renders and lists all $n options of --help"

# The config file installed is the sample, and fintrack reads it.
cmp -s "$stage$sysconfdir/fintrack/fintrack.ini" "$(dirname "$0")/../../config/fintrack.ini" ||
	fail "the installed config file is not config/fintrack.ini"

if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze missing: the unit is not verified"
	exit 77
fi
# systemd-analyze verify checks that ExecStart's program exists and that the
# man page of Documentation= opens: verify a copy whose ExecStart names the
# staged program, with the staged man pages on MANPATH, everything else as installed.
sed "s|^ExecStart=$bindir/fintrack|ExecStart=$fin|" "$unit" >"$work/fintrack.service"
MANPATH="$stage$mandir:" systemd-analyze verify "$work/fintrack.service" >"$work/verify" 2>&1 ||
	{ cat "$work/verify"; fail "systemd-analyze verify"; }
[ -s "$work/verify" ] && { cat "$work/verify"; fail "systemd-analyze verify warns"; }
echo "ok: systemd-analyze verify accepts fintrack.service"
echo "PASS: install"
