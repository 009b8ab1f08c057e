#!/usr/bin/env bash
# Installs the Debian packages TinyTrain needs, only when missing.
#   ensure-system-deps.sh host   what the demo needs: gcc builds the host trainer
#   ensure-system-deps.sh [all]  what the tests need too: arm-none-eabi-gcc builds firmware,
#                                QEMU runs the virtual board, socat bridges its UART to a pty,
#                                stm32flash is the independent AN3155 check, valgrind counts
#                                instructions, libasan/libubsan come with gcc; for the e2e tests
#                                Chromium (driven by playwright-core), ripgrep and what building
#                                code-server from npm needs (build-essential, python3, pkg-config,
#                                libkrb5-dev); Arm NN's TFLite parser with its CpuRef backend and
#                                numpy, the importer's independent oracle; PyTorch (CPU), the
#                                gradient oracle on imported networks.
set -euo pipefail
scope=${1:-all}
need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
if [ "$scope" = all ]; then
  command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
  command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
  command -v socat >/dev/null || need+=(socat)
  command -v stm32flash >/dev/null || need+=(stm32flash)
  command -v valgrind >/dev/null || need+=(valgrind)
  command -v chromium >/dev/null || need+=(chromium)
  command -v rg >/dev/null || need+=(ripgrep)
  command -v python3 >/dev/null || need+=(python3)
  command -v pkg-config >/dev/null || need+=(pkg-config)
  dpkg -s build-essential >/dev/null 2>&1 || need+=(build-essential)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
  # the independent TFLite oracle of the model importer: Arm NN's TFLite parser, CpuRef backend
  dpkg -s python3-pyarmnn >/dev/null 2>&1 || need+=(python3-pyarmnn)
  dpkg -s libarmnn-cpuref-backend22 >/dev/null 2>&1 || need+=(libarmnn-cpuref-backend22)
  dpkg -s python3-numpy >/dev/null 2>&1 || need+=(python3-numpy)
  # PyTorch (CPU), the float64 gradient oracle on imported networks and the benches' speed anchor
  dpkg -s python3-torch >/dev/null 2>&1 || need+=(python3-torch)
  # real labelled images for fine-tuning imported models (data: { source: fashion-mnist })
  dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || need+=(dataset-fashion-mnist)
fi
for extra in ${TINYTRAIN_EXTRA_APT:-}; do need+=("$extra"); done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "TinyTrain needs these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
