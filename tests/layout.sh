#!/usr/bin/env bash
# The layout of the sources. src/ is split into rooms, one folder each,
# ranked from the bottom up; every #include "..." of src/**/*.c and *.h may
# go down or stay in its own room, never up. sim/ is one flat folder whose
# files may include each other freely, but not in a circle.
set -u
: "${top_srcdir:?run through make check}"
cd "$top_srcdir" || exit 99

# The rooms of src/, from the bottom up: the one place that ranks them. A
# file includes its own room's headers as "file.h" and those of a room
# listed BEFORE its own as "room/file.h"; a room listed after its own is
# upward and fails. Since every include between rooms goes strictly down
# this list, a circle between rooms cannot arise.
rooms=(
        util     # log, growth, number/text formatting, typed JSON reading/writing, atomic files
        expr     # the rule expression language (lexer, compiler, evaluator), pure
        config   # libconfig → struct config, FILE:LINE diagnostics, durations, secrets, URL rules
        mida     # the Mida API client: HTTP on sd-event, errors, backoff, requests, response parsing
        stats    # pure statistics and the analysis of one result, sequential state
        store    # persistence in state.db: watch list, history, alerts, actions, outbox, health; the lock
        notify   # payloads, signing, the outbox and delivery
        rules    # the alert state machine: analyses in, transitions out
        actions  # pause / serve-winner decisions, ledger and runner
        daemon   # manager, event loop, cycle, health, metrics — wires the rooms together
        report   # what people read of the monitor from state.db: status, history, their text and JSON
        web      # the status page: the HTTP listener, routes, pages, static files
        cli      # main, the commands and their printers
)

# Every source lives in a room, and every room of the table has its folder.
bad=$(
        for f in src/*.[ch]; do
                [ -f "$f" ] && echo "$f: outside the rooms (move it into one of src/{${rooms[*]}})"
        done
        for d in src/*/; do
                d=${d%/}
                [ -d "$d" ] || continue
                [[ " ${rooms[*]} " == *" ${d#src/} "* ]] ||
                        echo "$d/: not a room (add it to the table in tests/layout.sh, at its rank)"
        done
        for r in "${rooms[@]}"; do
                [ -d "src/$r" ] || echo "src/$r/: in the table of tests/layout.sh, but no such folder"
        done
)

# The includes: src/ by rank; sim/ with x.c and x.h as one unit "x", so that
# x.c including x.h is no circle, while x.h including y.h and y.h (or y.c)
# including x.h back is one.
files=$( { find src -mindepth 2 -type f -name '*.[ch]'; find sim -maxdepth 1 -type f -name '*.[ch]'; } |
        LC_ALL=C sort)
[ -n "$files" ] || { echo "layout: no sources found under $top_srcdir" >&2; exit 99; }
# shellcheck disable=SC2086  # the paths have no blanks
out=$(awk -v rooms="${rooms[*]}" -v list="$files" '
function dir_of(p) { sub(/\/[^\/]*$/, "", p); return p }
function stem_of(p) { sub(/^sim\//, "", p); sub(/\.[ch]$/, "", p); return p }
function fail(msg) { print msg; failed = 1 }
function visit(n,   i, m, j, circle) {
        seen[n] = 1
        path[++depth] = n
        for (i = 1; i <= nout[n]; i++) {
                m = out[n, i]
                if (seen[m] == 1) {
                        for (j = depth; path[j] != m; j--)
                                ;
                        circle = m
                        for (j++; j <= depth; j++)
                                circle = circle " -> " path[j]
                        fail(at[n, m] ": " n " may not include " named[n, m] " (circle: " circle " -> " m ")")
                } else if (!seen[m])
                        visit(m)
        }
        depth--
        seen[n] = 2
}
BEGIN {
        nrooms = split(rooms, r, " ")
        for (i = 1; i <= nrooms; i++)
                rank[r[i]] = i
        nfiles = split(list, f, " ")
        for (i = 1; i <= nfiles; i++)
                exists[f[i]] = 1
}
FNR == 1 {
        split(FILENAME, part, "/")
        top = part[1]
        room = part[2]
        here = dir_of(FILENAME)
        if (top == "sim") {
                stem = stem_of(FILENAME)
                if (!(stem in node)) {
                        node[stem] = 1
                        nodes[++nnodes] = stem
                }
        }
}
!/^[ \t]*#[ \t]*include[ \t]*"/ { next }
{
        inc = $0
        sub(/^[^"]*"/, "", inc)
        sub(/".*/, "", inc)
        includes++
        where = FILENAME ":" FNR
        if (top == "sim") {
                sim_includes++
                if (!exists["sim/" inc])
                        next    # a system header written with quotes, or a typo the compiler reports
                to = stem_of(inc)
                if (to != stem && !((stem, to) in at)) {
                        at[stem, to] = where
                        named[stem, to] = inc
                        out[stem, ++nout[stem]] = to
                }
                next
        }
        if (!(room in rank))
                next            # its folder is reported by itself
        if (inc !~ /\//) {
                if (exists[here "/" inc])
                        next
                hint = ""
                for (i = 1; i <= nrooms; i++)
                        if (exists["src/" r[i] "/" inc])
                                hint = hint (hint ? " or " : "; did you mean ") r[i] "/" inc
                if (hint)
                        hint = hint "?"
                fail(where ": " room " may not include " room "/" inc " (no such file " here "/" inc hint ")")
                next
        }
        to = inc
        sub(/\/.*/, "", to)
        if (!(to in rank)) {
                fail(where ": " room " may not include " inc " (" to " is not a room)")
                next
        }
        if (!exists["src/" inc]) {
                fail(where ": " room " may not include " inc " (no such file src/" inc ")")
                next
        }
        if (to == room)
                next
        between++
        if (rank[to] > rank[room])
                fail(where ": " room " may not include " inc " (upward: " to " is rank " rank[to] \
                     ", above " room " at rank " rank[room] ")")
}
END {
        for (i = 1; i <= nnodes; i++)
                if (!seen[nodes[i]])
                        visit(nodes[i])
        if (failed)
                exit 1
        printf "layout: %d files, %d includes, %d between rooms, all downward; no circle in sim/\n",
                nfiles, includes, between
}' $files)
rc=$?
if [ -n "$bad" ] || [ "$rc" -ne 0 ]; then
        [ -z "$bad" ] || echo "$bad"
        [ -z "$out" ] || echo "$out"
        [ "$rc" -le 1 ] || exit 99
        exit 1
fi
echo "$out"
