#!/usr/bin/env bash
# The code reward's sandbox needs bubblewrap (Debian/Ubuntu package "bubblewrap").
# Installs it when we can (root with apt-get); otherwise says how, and fails unless
# VERIFIERS_ALLOW_NO_BWRAP=1 (the sandbox then falls back to weaker layers, loudly).
set -u
if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing bubblewrap (sandbox for the code reward) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; then
    exit 0
  fi
fi
echo "bubblewrap (bwrap) is missing: the code reward's sandbox needs it." >&2
echo "  Debian/Ubuntu: sudo apt-get install bubblewrap    Fedora: sudo dnf install bubblewrap" >&2
if [ "${VERIFIERS_ALLOW_NO_BWRAP:-0}" = 1 ]; then
  echo "VERIFIERS_ALLOW_NO_BWRAP=1: going on without it" >&2
  exit 0
fi
exit 1
