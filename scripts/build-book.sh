#!/usr/bin/env bash
# Install what the book needs and build it into _build/html.
#   bash scripts/build-book.sh               install, then build
#   bash scripts/build-book.sh --no-install  build only (used by scripts/test.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap print_timings EXIT

install=1
case "${1:-}" in
    --no-install) install=0 ;;
    "") ;;
    *) echo "usage: bash scripts/build-book.sh [--no-install]" >&2; exit 2 ;;
esac

if [ "$install" = 1 ]; then
    mapfile -t packages < <(data_packages)
    step "system packages (${packages[*]})" install_system_packages "${packages[@]}"
    step "python packages (requirements.txt)" install_python_packages
fi
step "book build (strict)" build_book
step "notebook downloads (full and student editions)" notebook_downloads
echo
echo "Built: $ROOT/_build/html/index.html (view: python -m http.server -d _build/html)"
