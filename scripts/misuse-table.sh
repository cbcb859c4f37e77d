#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# README's table of the misuse that is caught, generated from
# tests/negative-cases.txt: one entry per misuse case, by suite, with the
# misuse in words and the console text its boot must show.
#
# Usage: scripts/misuse-table.sh            print the table
#        scripts/misuse-table.sh --update   rewrite it in README
#        scripts/misuse-table.sh --check    exit 1 if README's is stale

set -uo pipefail
. "$(dirname "$0")/lib.sh"

begin='  (generated from tests/negative-cases.txt by scripts/misuse-table.sh)'
end='  (end of the generated table)'

table() {
	echo "$begin"
	awk -F'\t' '
	/^#/ || NF < 4 { next }
	{
		split($1, sc, ".")
		if (sc[1] != suite) {
			suite = sc[1]
			title = suite
			if (suite == "dma_fence_token_neg") title = title " (token core)"
			if (suite == "dma_fence_token_neg_wq") title = title " (signalling workqueue)"
			if (suite == "dma_fence_token_neg_ring") title = title " (hardware ring)"
			print "  " title
		}
		arch = $2 == "all" ? "" : " (" $2 " only)"
		print "    " $3 arch
		report = ""
		for (i = 4; i <= NF; i++) {
			p = $i
			gsub(/\|/, "\" or \"", p)
			report = report (i > 4 ? " + " : "") "\"" p "\""
		}
		print "        " report
	}' "$PROJ/tests/negative-cases.txt"
	echo "$end"
}

# readme_table: the generated block as README has it now.
readme_table() {
	awk -v b="$begin" -v e="$end" '$0 == b { on = 1 } on { print } $0 == e { on = 0 }' \
		"$PROJ/README"
}

case ${1:-} in
--check)
	if ! diff -u <(readme_table) <(table) >&2; then
		log "README's misuse table is stale: run scripts/misuse-table.sh --update"
		exit 1
	fi
	;;
--update)
	grep -qxF "$begin" "$PROJ/README" || { log "no table marker in README"; exit 1; }
	new=$(mktemp)
	awk -v b="$begin" -v e="$end" -v t="$(table)" '
		$0 == b { print t; skip = 1; next }
		skip && $0 == e { skip = 0; next }
		!skip { print }' "$PROJ/README" >"$new"
	cat "$new" >"$PROJ/README"
	rm -f "$new"
	;;
*)
	table
	;;
esac
