#!/bin/sh
# Regenerate matmul.xdin from matmul.c: compile with gcc, record the run with valgrind's lackey, keep the
# window between trace_begin() and trace_end() (the matrix multiply), convert to Dinero IV xdin.
# Needs gcc, valgrind and node. Addresses depend on the compiler, libc and valgrind versions; see README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# -no-pie: the symbol addresses nm prints are the run's addresses
gcc -O1 -no-pie -fno-pie -o "$work/matmul" "$here/matmul.c"
begin=$(nm "$work/matmul" | awk '$3 == "trace_begin" { print $1 }')
end=$(nm "$work/matmul" | awk '$3 == "trace_end" { print $1 }')
valgrind --tool=lackey --trace-mem=yes --log-file="$work/matmul.lackey" "$work/matmul" >/dev/null
node "$here/lackey-to-xdin.mjs" "$work/matmul.lackey" --from "$begin" --to "$end" >"$here/matmul.xdin"
echo "matmul.xdin: $(wc -l <"$here/matmul.xdin") records, $(wc -c <"$here/matmul.xdin") bytes" >&2
