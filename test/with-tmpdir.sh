#!/bin/sh
# Runs the command given with TMPDIR set to a directory of its own, removed afterwards, and exits with the
# command's status: the tests make hundreds of temporary folders (state directories, wallets files, the
# daemons' working folders), and a run left ~600 of them in /tmp, every run.
dir=$(mktemp -d "${TMPDIR:-/tmp}/ws-test-run-XXXXXX") || exit 1
TMPDIR=$dir "$@"
status=$?
rm -rf "$dir" 2>/dev/null || echo "with-tmpdir: could not remove all of $dir" >&2
exit $status
