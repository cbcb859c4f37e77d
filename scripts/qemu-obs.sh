#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make qemu-obs: the observability boot.  Boots the module kernel of
# scripts/qemu-check.sh, records the library's trace events with tracefs
# while dma-fence-token-hung-test leaves an obligation in every state
# (tests/guest/obs.sh), and checks the debugfs listing, the
# watchdog's reports (exactly one per obligation, the only reports of the
# boot), the counters and the trace events with their fields.  One check
# per line below; the stage counts them.
#
# Usage: scripts/qemu-obs.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result qemu-obs-setup 0 1; exit 1; }
logs=$BUILD/logs/qemu-obs
mkdir -p "$logs"
out=$logs/harness.out
console=$logs/console.log

# The watchdog's warnings and the tracker's report lines are the expected
# reports of this boot; the checks below count them exactly.
warn_re='WARNING: CPU: [0-9]+ PID: [0-9]+ at .*dft_warn'
allow="$warn_re|dma_fence_token: "
"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/x86-mod" \
	--modules "dma-fence-tokens" --name obs --min-tests 0 \
	--workload-file "$PROJ/tests/guest/obs.sh" \
	--allow-reports "$allow" --log "$console" >"$out" 2>&1
rc=$?
grep -E '^qemu: ' "$out" >&2
clean=$BUILD/x86-mod/console-obs.clean

section() {	# section <title>: the lines of one framed section
	sed -n "/obs: ---- $1 ----/,/obs: ---- end ----/p" "$clean"
}
has() {	# has <text> <fixed string>
	grep -qF -- "$2" <<<"$1"
}
count_is() {	# count_is <n> <text> <ERE>
	[ "$(grep -cE -- "$3" <<<"$2")" -eq "$1" ]
}

check "boot passes, lockdep still on, no other report" [ "$rc" -eq 0 ]
[ -f "$clean" ] || { stage_result qemu-obs "$passed" $((failed + 1)); exit 1; }
ctx=$(sed -nE 's/.*dft-hung: context ([0-9]+):.*/\1/p' "$clean" | head -n 1)
check "helper module loaded (context ${ctx:-?})" [ -n "$ctx" ]
ctx=${ctx:-none}

ob=$(section obligations)
check "listing: token held by a kthread" has "$ob" "context=$ctx seqno=1 state=must-signal holder=token task=dft-hung-holder/"
check "listing: work item running" has "$ob" "context=$ctx seqno=2 state=running wq=dft-hung-wq holder=workqueue"
check "listing: work item queued" has "$ob" "context=$ctx seqno=3 state=queued wq=dft-hung-wq holder=workqueue"
check "listing: fence on a ring" has "$ob" "context=$ctx seqno=5 state=on-ring ring=dft-hung-ring holder=hardware"
check "listing: promise" has "$ob" "context=$ctx seqno=6 state=promised holder=promise"
check "listing: signalled fences are gone" count_is 5 "$ob" "context=$ctx "
check "listing: creation stacks" has "$ob" "	hung_holder_fn+"
check "listing: a stack starts at the caller of dma_fence_token_begin()" \
	grep -qE "^	hung_holder_fn\+" <<<"$(grep -A1 "context=$ctx seqno=1 " <<<"$ob")"
check "listing: creation stack of the promise" has "$ob" "	hung_promise+"

w=$(grep -E 'dma_fence_token: ' "$clean")
check "watchdog: one warning per obligation" count_is 5 "$(grep -E "$warn_re" "$clean")" .
check "watchdog: four hung obligations" count_is 4 "$w" "dma_fence_token: hung obligation \(fence not signalled in time\): fence dft-hung:dft-hung-timeline context $ctx "
check "watchdog: one broken promise" count_is 1 "$w" "dma_fence_token: broken promise \(fence not signalled in time\): fence dft-hung:dft-hung-timeline context $ctx seqno 6, token begun at hung_promise+"
check "watchdog: token details" grep -qE "seqno 1 unsignalled for [0-9]+ ms: state must-signal, held by token, task dft-hung-holder/" <<<"$w"
check "watchdog: running item details" grep -qE "seqno 2 unsignalled for [0-9]+ ms: state running on dft-hung-wq, held by workqueue" <<<"$w"
check "watchdog: queued item details" grep -qE "seqno 3 unsignalled for [0-9]+ ms: state queued on dft-hung-wq, held by workqueue" <<<"$w"
check "watchdog: ring details" grep -qE "seqno 5 unsignalled for [0-9]+ ms: state on-ring on dft-hung-ring, held by hardware" <<<"$w"
check "watchdog: promise details" grep -qE "seqno 6 unsignalled for [0-9]+ ms: state promised, held by promise" <<<"$w"
check "watchdog: creation stack" has "$w" "dma_fence_token:   hung_holder_fn+"

ob=$(section "obligations reported")
check "listing: every obligation marked reported" count_is 5 "$ob" "context=$ctx .* reported$"
ob=$(section "obligations after")
check "listing: empty once the helper signalled everything" count_is 0 "$ob" "context="

st=$(section stats)
check "stats: watchdog reports" has "$st" "watchdog_reports 5"
check "stats: hung obligations" has "$st" "misuse_hung 4"
check "stats: broken promises" has "$st" "promises_broken 1"
check "stats: ring timeout" has "$st" "timeouts 1"
check "stats: nothing live" has "$st" "obligations_live 0"

tr=$(section trace)
check "trace: create" grep -qE "dma_fence_token_create: driver=dft-hung timeline=dft-hung-timeline context=$ctx seqno=1$" <<<"$tr"
check "trace: transfer to a queue" grep -qE "dma_fence_token_transfer: context=$ctx seqno=2 path=workqueue to=dft-hung-wq$" <<<"$tr"
check "trace: transfer to a ring" grep -qE "dma_fence_token_transfer: context=$ctx seqno=5 path=hardware to=dft-hung-ring$" <<<"$tr"
check "trace: discharge by transfer" grep -qE "dma_fence_token_discharge: context=$ctx seqno=3 path=workqueue error=0$" <<<"$tr"
check "trace: discharge by promise" grep -qE "dma_fence_token_discharge: context=$ctx seqno=6 path=promise error=0$" <<<"$tr"
check "trace: discharge by signal" grep -qE "dma_fence_token_discharge: context=$ctx seqno=1 path=signal error=0$" <<<"$tr"
check "trace: completion batch" grep -qE "dma_fence_token_complete_batch: ring=dft-hung-ring seqno=4 count=1$" <<<"$tr"
check "trace: ring timeout" grep -qE "dma_fence_token_timeout: ring=dft-hung-fast context=$ctx seqno=7$" <<<"$tr"
check "trace: ring close by the timeout" grep -qE "dma_fence_token_ring_close: ring=dft-hung-fast error=-110 count=1$" <<<"$tr"
check "trace: misuse hung" grep -qE "dma_fence_token_misuse: kind=hung context=$ctx seqno=1$" <<<"$tr"
check "trace: misuse broken promise" grep -qE "dma_fence_token_misuse: kind=broken_promise context=$ctx seqno=6$" <<<"$tr"

# Second load, unloaded with its promise owed: the sixth report of the
# boot, so a rate-limited line instead of a warning.
un=$(section unload)
check "unload: the owed promise reported as its module goes" grep -qE \
	"dma_fence_token: fence still owed when the module of its ops was unloaded: fence dft-hung:dft-hung-timeline context [0-9]+ seqno 6, token begun at hung_promise\+.*\(report 1 of this kind\)$" "$clean"
check "unload: past five reports, no more warnings" count_is 5 "$(grep -E "$warn_re" "$clean")" .
check "unload: counted" has "$un" "misuse_owed_at_unload 1"
check "unload: nothing listed after" count_is 0 "$un" "context="

[ "$failed" -eq 0 ] || tail -n 30 "$out" >&2
stage_result qemu-obs "$passed" "$failed"
