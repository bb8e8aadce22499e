#!/usr/bin/env bash
# Start-to-exit of the same PVH test guest (mode "poweroff": boots, finds the FADT, powers off)
# under jhyve and under QEMU's microvm, interleaved A B A B, on this machine, in one run.
# Prints median/min/max per VMM and the jhyve/QEMU ratio (lower is better for jhyve).
# Usage: bench/startup.sh [rounds]   (needs a built tree: make build; installs QEMU if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
guest=guests/build/testguest.elf
[ -f target/jhyve.jar ] && [ -f "$guest" ] || { echo "build first: make build" >&2; exit 1; }
if ! command -v qemu-system-x86_64 >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null
fi
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 </dev/null || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
jhyve() { bin/jhyve -c 1 -m 128M -s 0,hostbridge -s 1,lpc -l com1,stdio -o jhyve.kernel=$guest -o jhyve.cmdline=poweroff bench; }
qemu() { qemu-system-x86_64 -accel kvm -M microvm,acpi=on -smp 1 -m 128 -nographic -nodefaults -no-reboot \
           -serial stdio -kernel $guest -append poweroff; }
# Sanity: both must really power the guest off (jhyve exits 1; QEMU exits 0 after the guest's S5).
set +e; jhyve >/dev/null 2>&1 </dev/null; j=$?; qemu >/dev/null 2>&1 </dev/null; q=$?; set -e
[ $j -eq 1 ] || { echo "jhyve did not power off (status $j)" >&2; exit 1; }
[ $q -eq 0 ] || { echo "QEMU did not exit cleanly (status $q)" >&2; exit 1; }
J=(); Q=()
for ((i = 0; i < rounds; i++)); do J+=("$(ms jhyve)"); Q+=("$(ms qemu)"); done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%d %d %d", a[int((NR+1)/2)], a[1], a[NR]}'; }
read -r jm jmin jmax <<<"$(stats "${J[@]}")"
read -r qm qmin qmax <<<"$(stats "${Q[@]}")"
echo "metric: start-to-exit of a trivial guest (ms, $rounds interleaved rounds; lower is better)"
printf '%-14s median %5d  min %5d  max %5d\n' jhyve "$jm" "$jmin" "$jmax" "qemu-microvm" "$qm" "$qmin" "$qmax"
awk -v a="$jm" -v b="$qm" 'BEGIN {printf "ratio jhyve/qemu (median): %.2f  (< 1 means jhyve is faster)\n", a / b}'
