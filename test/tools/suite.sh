#!/usr/bin/env bash
# Runs one test suite with node:test: the spec report on stdout, and each test's time in .test-times/NAME.jsonl
# (read by test/tools/slowest.ts). Usage: test/tools/suite.sh NAME [node --test flags] FILES...
# No --test-force-exit: on Node 20 it could end a file before its last tests ran, and still report a pass.
set -euo pipefail
name=$1
shift
mkdir -p .test-times
exec node --import tsx --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/tools/timingReporter.mjs --test-reporter-destination=".test-times/$name.jsonl" \
  "$@"
