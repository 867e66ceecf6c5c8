#!/usr/bin/env bash
# The training benchmark on an NVIDIA GPU machine that has PyTorch but neither Node nor the Vulkan loader
# (the workplace's H100 machines). Prepare once on the dev machine:
#   echo /.gl/ >> .git/info/exclude; mkdir -p .gl /tmp/amd64/partial
#   o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#   apt-get $o update; (cd .gl && apt-get $o download libvulkan1)
#   cp "$(command -v node)" .gl/node            # a Node 20 binary travels with the tree
# then run this script there with .gl and node_modules carried; results land in $OUT (or bench/out).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-bench/out}"; mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
if [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export PATH="$PWD/.gl:$PATH" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
node bin/spineseg.mjs doctor --json > "$OUT/doctor.json"
node bin/spineseg.mjs bench train --tune --profile --size 512x640 --batch 8 --steps 10 --warmup 2 --json "$OUT/bench-train-512x640-b8.json" 2>&1 | tee "$OUT/bench-train.log"
node bin/spineseg.mjs bench kernels --json "$OUT/bench-kernels.json" 2>&1 | tee "$OUT/bench-kernels.log" || true
python3 bench/gpu/unet_torch.py --size 512x640 --batch 8 --steps 20 --json "$OUT/pytorch-512x640-b8.json" 2>&1 | tee "$OUT/pytorch.log"
# what one dispatch costs beyond its work, and that times a step's dispatch count (bench/dispatch-cost.ts)
node node_modules/tsx/dist/cli.mjs bench/dispatch-cost.ts --size 512x640 --batch 8 --width-mult 1 --json "$OUT/dispatch-cost-512x640-b8.json" 2>&1 | tee "$OUT/dispatch-cost.log" || true
