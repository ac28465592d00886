#!/usr/bin/env bash
# Installs what the test suite and the examples need from Debian's packages, when missing:
# nats-server (the distributed tests), tmux (the dashboard test), chromium (the report test),
# openssl (a throwaway CA for the TLS test), and Debian's python3 with scikit-learn and PyTorch
# (the program examples and their tests; no PyPI needed).
set -euo pipefail
need=()
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Debian's own interpreter: another python3 earlier on the PATH does not see apt's modules.
[ -x /usr/bin/python3 ] || need+=(python3)
/usr/bin/python3 -c "import sklearn" >/dev/null 2>&1 || need+=(python3-sklearn)
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || need+=(python3-torch)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present: nats-server, tmux, chromium, openssl, python3-sklearn, python3-torch"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing from Debian: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
