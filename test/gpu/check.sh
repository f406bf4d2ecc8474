#!/usr/bin/env bash
# murmur's GPU device check (issue 11): on a machine with an NVIDIA GPU, with Node ≥ 20 and this
# repository installed (`npm ci`, then `npx turbo run build`), it installs nothing and reaches
# nothing outside the machine. It finds the NVIDIA Vulkan driver, runs the engine compliance suite
# on onnxruntime-node's WebGPU EP (and on the CUDA EP when `murmur setup cuda` installed it), then
# the engine benchmark for `small` and `0.5b` (train step, decode tok/s at batch 1/8/32), and writes
# gpu-check.json and gpu-check.md (plus engine.json/.md) into $OUT (default bench/results/gpu).
# About 5–8 minutes on an H100.
#
#   test/gpu/check.sh                                   # the real check
#   MURMUR_GPU_CHECK_SOFTWARE=1 MURMUR_GPU_CHECK_QUICK=1 test/gpu/check.sh
#                                                       # no GPU: SwiftShader, tiny, a smoke run of the script
# Exit status: 0 every step passed; 1 a step failed or no NVIDIA driver was found (the JSON says which).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/bench/results/gpu}
mkdir -p "$out"
quick=${MURMUR_GPU_CHECK_QUICK:-0}
software=${MURMUR_GPU_CHECK_SOFTWARE:-0}
node_bin=${MURMUR_NODE:-node}
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
steps=()   # JSON objects, one per step
log() { printf '[gpu-check %3ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }
json_str() { "$node_bin" -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }
step() { # name status seconds detail
  steps+=("{\"name\":$(json_str "$1"),\"status\":\"$2\",\"seconds\":$3,\"detail\":$(json_str "$4")}")
  log "$1: $2 ($3 s) $4"
}
finish() {
  local ok=true s
  for s in "${steps[@]}"; do [[ $s == *'"status":"fail"'* ]] && ok=false; done
  local list
  list=$(IFS=,; echo "${steps[*]}")
  cat >"$out/gpu-check.json" <<JSON
{"name":"gpu-check","startedAt":"$started","ok":$ok,"quick":$([[ $quick == 1 ]] && echo true || echo false),"software":$([[ $software == 1 ]] && echo true || echo false),"gpu":$(json_str "$gpu"),"driver":$(json_str "$driver"),"vulkanIcd":$(json_str "${VK_ICD_FILENAMES:-}"),"cudaEp":$cuda_ep,"steps":[${list}]}
JSON
  {
    echo "### gpu-check"
    echo
    echo "$started · GPU: ${gpu:-none} · driver: ${driver:-none} · Vulkan ICD: ${VK_ICD_FILENAMES:-none} · CUDA EP: $cuda_ep"
    echo
    echo "| step | status | seconds | detail |"
    echo "| --- | --- | --- | --- |"
    "$node_bin" -e 'for (const s of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).steps) console.log(`| ${s.name} | ${s.status} | ${s.seconds} | ${s.detail.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`)' "$out/gpu-check.json"
    [[ -f $out/engine.md ]] && { echo; cat "$out/engine.md"; }
  } >"$out/gpu-check.md"
  log "wrote $out/gpu-check.json and gpu-check.md"
  $ok
  exit $?
}

gpu='' driver='' cuda_ep=false
# 0. prerequisites: node and an installed, built checkout (nothing is fetched here)
if ! command -v "$node_bin" >/dev/null; then
  echo "gpu-check: no node on PATH (set MURMUR_NODE to a Node ≥ 20 binary)" >&2
  exit 1
fi
if [[ ! -f $root/node_modules/onnxruntime-node/package.json || ! -f $root/node/dist/cli.js ]]; then
  step prerequisites fail 0 "run \`npm ci && npx turbo run build\` in $root first (node_modules or node/dist is missing)"
  finish
fi

# 1. the GPU and its Vulkan driver
if command -v nvidia-smi >/dev/null; then
  gpu=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1)
  driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
fi
icd=''
for f in ${VK_ICD_FILENAMES:-} ${VK_DRIVER_FILES:-} /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
  /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  if [[ -f $f && $f == *nvidia* ]]; then icd=$f; break; fi
done
loader=$(ldconfig -p 2>/dev/null | grep -m1 -o '/[^ ]*libvulkan.so.1' || true)
# VK_DRIVER_FILES, when set (even empty), overrides VK_ICD_FILENAMES in newer Vulkan loaders: set both
if [[ -n $icd && -n $loader ]]; then
  export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
  step "vulkan driver" ok 0 "NVIDIA ICD $icd, loader $loader, GPU ${gpu:-unknown}"
elif [[ $software == 1 && -f /usr/lib/chromium/vk_swiftshader_icd.json ]]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json
  step "vulkan driver" skip 0 "no NVIDIA Vulkan driver (ICD ${icd:-not found}, loader ${loader:-not found}); MURMUR_GPU_CHECK_SOFTWARE=1: SwiftShader instead"
else
  step "vulkan driver" fail 0 "no NVIDIA Vulkan driver: ICD ${icd:-not found} (looked in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d, /usr/local/nvidia/share/vulkan/icd.d, VK_ICD_FILENAMES, VK_DRIVER_FILES), libvulkan.so.1 ${loader:-not found}; install the NVIDIA driver's Vulkan ICD and libvulkan1"
  finish
fi
[[ -f $root/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so ]] && cuda_ep=true

# 2. what murmur itself sees (every device proven with a real session)
s=$(date +%s)
if timeout 120 "$node_bin" "$root/node/bin/murmur.js" doctor --json >"$out/doctor.json" 2>"$out/doctor.log"; then st=ok; else st=warn; fi
step "murmur doctor" "$st" $(($(date +%s) - s)) "$("$node_bin" -e 'try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log((r.checks ?? []).filter((c) => c.name.startsWith("device")).map((c) => `${c.name} ${c.status}`).join(", ")) } catch (e) { console.log("no JSON: " + e.message) }' "$out/doctor.json")"

# 3. the engine compliance suite on the WebGPU EP (and CUDA when installed)
s=$(date +%s)
files=(src/runtime/webgpu.test.ts)
$cuda_ep && files+=(src/runtime/cuda.test.ts)
if (cd "$root/node" && timeout 240 "$node_bin" "$root/node_modules/vitest/vitest.mjs" run "${files[@]}" >"$out/compliance.log" 2>&1); then st=ok; else st=fail; fi
step "compliance (${files[*]##*/})" "$st" $(($(date +%s) - s)) "$(sed 's/\x1b\[[0-9;]*m//g' "$out/compliance.log" | grep -E 'Tests +[0-9]' | tail -1 | tr -s ' ')"

# 4. the engine benchmark: small and 0.5b (tiny in quick mode)
s=$(date +%s)
devices=webgpu
$cuda_ep && devices=webgpu,cuda
if [[ $quick == 1 ]]; then args=(--configs tiny --devices "$devices" --decode-batches 1,8 --train-shape 1x8 --quick); limit=180
else args=(--configs small,0.5b --devices "$devices" --decode-batches 1,8,32 --train-shape 8x64); limit=$((480 - ($(date +%s) - t0))); fi
if timeout "$limit" "$node_bin" "$root/node/bin/murmur.js" bench engine "${args[@]}" --out "$out" >/dev/null 2>"$out/engine.log"; then
  if grep -q '"error"' "$out/engine.json"; then st=fail; else st=ok; fi
else st=fail; fi
step "engine benchmark (${args[*]})" "$st" $(($(date +%s) - s)) "$(tail -3 "$out/engine.log" | tr '\n' ' ')"
finish
