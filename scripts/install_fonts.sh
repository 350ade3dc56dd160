#!/usr/bin/env bash
# Installs the Debian font packages the street-number generator (train/synth/) draws with.
# Only training needs them; the app does not. Safe to run again: installed packages are skipped.
# Keep this list equal to train.fonts.FONT_PACKAGES (tests/test_synth.py checks it).
set -euo pipefail

PACKAGES=(
  fonts-adf-baskervald fonts-adf-gillius fonts-averia-gwf fonts-b612 fonts-bebas-neue fonts-breip
  fonts-cabin fonts-cantarell fonts-clear-sans fonts-comfortaa fonts-comic-neue fonts-crosextra-caladea
  fonts-crosextra-carlito fonts-dancingscript fonts-dejavu-core fonts-dejavu-extra fonts-dosis
  fonts-freefont-ttf fonts-gfs-didot fonts-go fonts-hack fonts-inconsolata fonts-jura
  fonts-lato fonts-league-mono fonts-league-spartan fonts-liberation fonts-lobster fonts-manrope
  fonts-open-sans fonts-oxygen fonts-play fonts-quicksand fonts-roadgeek fonts-roboto-slab
  fonts-roboto-unhinted fonts-staypuft fonts-tomsontalks fonts-tuffy fonts-urw-base35
  fonts-yanone-kaffeesatz
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_fonts: all ${#PACKAGES[@]} font packages are installed"
  exit 0
fi
echo "install_fonts: installing ${#missing[@]} font packages: ${missing[*]}"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
