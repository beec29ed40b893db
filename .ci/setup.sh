#!/usr/bin/env bash
# Installs what a fresh machine lacks for the test suite. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)"; exit 1; }
dotnet restore OpenTracy.Actors.sln --nologo -v q
