#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gate: the debug test kernels see what the kernel drivers run on sees.
# Compares generated .config files of the test kernels (build/kunit-um,
# build/kunit-x86_64, build/x86-mod...) with Debian's configuration, over
# the options listed in tests/debian-config-watch.txt: every watched option
# that Debian enables (y or m; for other values, the same value) must be
# enabled in each test kernel it applies to.  A test kernel's architecture
# (um or x86_64) is read from its .config.
#
# Prints one line per watched option and kernel:
#	same     <arch> <option> debian=<v> test=<v>
#	differs  <arch> <option> debian=<v> test=<v>   (a failure)
#	n/a      <arch> <option>                        (not for this arch)
#	debian-off <arch> <option>                      (Debian leaves it off)
# then what is missing, and the stage line.  A watched option that is not
# in Debian's configuration at all is a failure too (a typo, or a renamed
# option).
#
# Usage: scripts/config-compare.sh [--watch <file>] <Debian config>
#		<generated .config>...
#	exit 0: nothing missing; 1: a watched option is missing or
#	unknown; 2: bad arguments

set -euo pipefail
. "$(dirname "$0")/lib.sh"

watch=$PROJ/tests/debian-config-watch.txt
usage() {
	log "usage: config-compare.sh [--watch <file>] <Debian config> <generated .config>..."
	exit 2
}
if [ "${1:-}" = --watch ]; then
	[ $# -ge 2 ] || usage
	watch=$2
	shift 2
fi
[ $# -ge 2 ] || usage
debian=$1
shift
for f in "$watch" "$debian" "$@"; do
	[ -f "$f" ] || { log "config-compare: no such file: $f"; exit 2; }
done

# kconfig_values <file>: "OPTION VALUE" for every option the file sets,
# VALUE n for "# CONFIG_X is not set".
kconfig_values() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$1"
}

# load <name of an associative array> <file>: fill it with the file's values.
load() {
	local -n arr=$1
	local opt val
	while read -r opt val; do
		# shellcheck disable=SC2034 # arr is the caller's array
		arr["$opt"]=$val
	done < <(kconfig_values "$2")
}

declare -A deb=()
load deb "$debian"

# The watch list: "OPTION ARCHES REASON" per entry, ARCHES "all" if absent;
# each entry becomes "OPTION<tab>ARCHES<tab>KERNELS<tab>REASON", the
# architectures and the kernel tokens (6.1, 6.12) of ARCHES apart, "all"
# and "-" when there are none (read splits on tabs, so no field is empty).
mapfile -t entries < <(awk '
	/^[ \t]*(#|$)/ { next }
	{
		opt = $1
		if (opt !~ /^CONFIG_/) opt = "CONFIG_" opt
		arches = "all"
		kernels = ""
		if ($2 ~ /^(x86_64|um|[0-9]+\.[0-9]+)(,(x86_64|um|[0-9]+\.[0-9]+))*$/) {
			n = split($2, tok, ",")
			arches = ""
			for (i = 1; i <= n; i++) {
				if (tok[i] ~ /^[0-9]/)
					kernels = kernels tok[i] ","
				else
					arches = arches (arches == "" ? "" : ",") tok[i]
			}
			if (arches == "") arches = "all"
			$2 = ""
		}
		$1 = ""
		sub(/^[ \t]+/, "")
		print opt "\t" arches "\t" (kernels == "" ? "-" : kernels) "\t" $0
	}' "$watch")
[ ${#entries[@]} -gt 0 ] || { log "config-compare: $watch lists no option"; exit 2; }

enabled() { [ "$1" = y ] || [ "$1" = m ]; }
missing=()

for cfg in "$@"; do
	declare -A test=()
	load test "$cfg"
	if [ "${test[CONFIG_UML]:-n}" = y ]; then
		arch=um
	elif [ "${test[CONFIG_X86_64]:-n}" = y ]; then
		arch=x86_64
	else
		log "config-compare: $cfg is neither a UML nor an x86_64 configuration"
		exit 2
	fi
	echo "config-compare: $cfg ($arch) against $debian"
	for e in "${entries[@]}"; do
		IFS=$'\t' read -r opt arches kernels reason <<<"$e"
		# Kernel tokens (6.1, 6.12) limit the entry to those kernels.
		if [ "$kernels" != - ] && [[ ",$kernels" != *",${KVER%.*},"* ]]; then
			printf '  %-8s %-6s %s (kernels %s only)\n' n/a "$arch" "$opt" "${kernels%,}"
			continue
		fi
		d=${deb[$opt]:-}
		if [ -z "$d" ]; then
			printf '  %-8s %-6s %s (not in Debian'\''s configuration)\n' unknown "$arch" "$opt"
			missing+=("$opt: not in Debian's configuration ($cfg)")
			continue
		fi
		if [ "$d" = n ]; then
			printf '  %-8s %-6s %s\n' debian-off "$arch" "$opt"
			continue
		fi
		if [ "$arches" != all ] && [[ ",$arches," != *",$arch,"* ]]; then
			printf '  %-8s %-6s %s (%s only)\n' n/a "$arch" "$opt" "$arches"
			continue
		fi
		t=${test[$opt]:-n}
		if enabled "$d"; then
			if enabled "$t"; then ok=1; else ok=0; fi
		elif [ "$d" = "$t" ]; then
			ok=1
		else
			ok=0
		fi
		if [ "$ok" = 1 ]; then
			printf '  %-8s %-6s %s debian=%s test=%s\n' same "$arch" "$opt" "$d" "$t"
			passed=$((passed + 1))
		else
			printf '  %-8s %-6s %s debian=%s test=%s\n' differs "$arch" "$opt" "$d" "$t"
			missing+=("$opt=$d on Debian, $t in $cfg: $reason")
		fi
	done
	unset test
done

if [ ${#missing[@]} -gt 0 ]; then
	log "config-compare: FAIL: ${#missing[@]} watched option(s) that Debian enables are" \
		"missing from a debug test kernel, or unknown (enable them in" \
		"tests/kunit-<arch>.config or drivers/dma-buf/tests/.kunitconfig; see $watch):"
	printf '  %s\n' "${missing[@]}" >&2
fi
stage_result config-compare "$passed" "${#missing[@]}"
