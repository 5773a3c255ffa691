#!/bin/bash
# On the other machine, from the repository root, with .dev/ from scripts/device/pack.sh: unpacks
# Node and the libraries, then (1) trains the cpu-ttur GAN for 40 updates on a synthetic fixture
# with PEGASUS_PROFILE=1 at each thread count in $THREADS (default "2 16"), and (2) runs
# `npm run bench -- --no-diffusion --json` against that machine's PyTorch at the same counts.
# Writes everything under ${OUT:-/tmp/pegasus-device}.
set -u
OUT=${OUT:-/tmp/pegasus-device}
mkdir -p "$OUT" /tmp/pg
xz -dc .dev/node.xz > /tmp/pg/node && chmod +x /tmp/pg/node
tar -xJf .dev/libs.tar.xz -C /tmp/pg
# NOTE: never over what is there: overwriting the addon in place crashes every process that has it loaded
[ -d node_modules ] || tar -xJf .dev/nm.tar.xz
[ -f build/Release/pegasus_native.node ] || { mkdir -p build/Release && cp .dev/pegasus_native.node build/Release/; }
export PATH=/tmp/pg:$PATH LD_LIBRARY_PATH=/tmp/pg
{ nproc; lscpu | grep -E "Model name|Core|Socket"; node --version; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
command -v python3 > /dev/null && export PEGASUS_PYTHON=$(command -v python3) PEGASUS_TORCH_REFERENCE=.dev/torch_reference.py
read -r FX RPF < <(node --import tsx scripts/device/fixture.ts 200)
for t in ${THREADS:-2 16}; do
  echo "== train, $t threads"
  PEGASUS_PROFILE=1 PEGASUS_THREADS=$t timeout 150 node --import tsx src/cli/main.ts train --model cgan --preset cpu-ttur --batch 64 \
    --steps 40 --data "$FX" --records-per-file "$RPF" --out "/tmp/pg/train-$t" 2>&1 | grep -v "^step" | tee "$OUT/train-$t.txt"
  cp "/tmp/pg/train-$t/metrics.jsonl" "$OUT/train-$t.jsonl"
done
for t in ${THREADS:-2 16}; do
  echo "== bench, $t threads"
  timeout 200 node --import tsx bench/index.ts --threads "$t" --no-diffusion --json | tee "$OUT/bench-$t.jsonl"
done
