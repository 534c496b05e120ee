#!/bin/sh
# Times the kernel's own lib/maple_tree.c on this machine, on the tree and
# operations of lib/maple/maple_bench.ts (see maple_bench.c): the native
# baseline for the model's benchmark.
#
#   scripts/native/maple_bench.sh KERNEL [RUNS] [EXTRA_CFLAGS]
#
# KERNEL is a kernel source tree or its tarball (Debian's linux-source-6.12
# puts one in /usr/src). Needs gcc, make and liburcu (Debian: liburcu-dev).
# Builds in a temporary directory and leaves KERNEL untouched.
# EXTRA_CFLAGS="-DVALIDATE" adds the mt_validate() checks.
set -eu
src=${1:?usage: maple_bench.sh KERNEL_TREE_OR_TARBALL [RUNS] [EXTRA_CFLAGS]}
runs=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
parts="tools include lib arch/x86/include scripts"
if [ -d "$src" ]; then
  (cd "$src" && tar cf - $parts) | (cd "$work" && tar xf -)
else
  top=$(tar tf "$src" | head -n 1 | cut -d/ -f1)
  tar -C "$work" --strip-components=1 -xf "$src" \
    $(for p in $parts; do printf '%s/%s ' "$top" "$p"; done)
fi
dir="$work/tools/testing/bench-maple"
mkdir -p "$dir"
cp "$here/maple_bench.c" "$here/Makefile" "$dir/"
if ! make -s -C "$dir" EXTRA_CFLAGS="${3:-}" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  exit 1
fi
i=0
while [ "$i" -lt "$runs" ]; do
  "$dir/maple_bench"
  i=$((i + 1))
done
