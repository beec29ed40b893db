#!/usr/bin/env bash
# Installs what a fresh machine lacks for the test suite. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)"; exit 1; }
dotnet restore OpenTracy.Actors.sln --nologo -v q
# The JavaScript compatibility suite (tests/compat-js) drives the node with the official `openai`
# npm package; install it from the lock file so every run uses the same client.
if command -v npm >/dev/null; then
  (cd tests/compat-js && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "npm not found: the JavaScript compatibility tests will be skipped"
fi
