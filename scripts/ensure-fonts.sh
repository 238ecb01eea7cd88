#!/usr/bin/env bash
# Badge and certificate PDFs (showup/events/printing.py) are rendered by WeasyPrint with
# Debian's Noto fonts, so that children's names in every script (Latin, Cyrillic, Greek,
# Arabic, Hebrew, Devanagari, Chinese, Japanese, Korean) are shaped and embedded. Their tests
# read the PDFs back and decode the QR codes with zbar (zbarimg) after rendering a page with
# poppler (pdftoppm). Install whatever is missing, like scripts/ensure-chromium.sh.
set -euo pipefail
packages=(fonts-noto-core fonts-noto-cjk zbar-tools poppler-utils)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing for badge PDFs and their tests: ${missing[*]}." >&2
  echo "Run 'sudo apt-get install -y ${missing[*]}' (or this script as root)." >&2
  exit 1
fi
echo "Installing Debian's ${missing[*]} for badge and certificate PDFs..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
