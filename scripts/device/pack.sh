#!/bin/bash
# Packs what pegasus needs on a machine with no internet and no Node (a lent GPU machine's CPUs):
# the node binary, oneDNN and its runtime libraries, node_modules without the dev-only giants, the
# built addon and the PyTorch reference script, into .dev/ (about 36 MB; ignored by git). Then run
# scripts/device/bench.sh there from the repository root, with .dev beside it.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p .dev
xz -T0 -6 -c "$(command -v node)" > .dev/node.xz
(cd /usr/lib/x86_64-linux-gnu && tar -cJf "$OLDPWD/.dev/libs.tar.xz" libdnnl.so.* libgomp.so.1* libOpenCL.so.1*)
tar --exclude=node_modules/typescript --exclude=node_modules/playwright-core --exclude=node_modules/@types -cJf .dev/nm.tar.xz node_modules
cp build/Release/pegasus_native.node .dev/
torch_ref=${PEGASUS_TORCH_REFERENCE:-../shared/bench/torch_reference.py}
[ -f "$torch_ref" ] && cp "$torch_ref" .dev/torch_reference.py
du -sh .dev
