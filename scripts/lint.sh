#!/bin/sh
# npm run lint: ESLint (type-checked rules, 0 warnings) and the Prettier check, side by side. Run
# one after the other they took 50–64 s on a 2-core machine; ESLint's single program leaves the
# second core mostly idle, and Prettier (about 15 s, 220 MB) fits beside it.
# ESLint's heap is capped at 2,048 MB: its type information peaks at about 1.1 GB of heap.
#
# Outside CI both keep a cache of the files that passed (node_modules/.cache/), keyed on each
# file's content, so a run re-checks only what changed: ESLint over the whole tree takes about
# 40 s here, longer than a pre-commit or before-stop check allows. The cache cannot see that a
# change to one file moved another file's types, so CI (CI=true) and `npm run lint -- --full`
# check every file afresh; CI's is the run that gates a change.
case "$1" in
  --help | -h)
    echo "usage: npm run lint [-- --full]"
    echo "  ESLint and Prettier over the tree; exits non-zero if either finds a problem."
    echo "  Re-checks only files changed since the last passing run, unless CI=true or --full."
    exit 0
    ;;
  --full | "") ;;
  *)
    echo "lint: unknown option $1 (see npm run lint -- --help)" >&2
    exit 2
    ;;
esac
cache=""
if [ "$1" != "--full" ] && [ "$CI" != "true" ]; then
  cache="--cache --cache-strategy content"
fi
echo "lint: ESLint and Prettier running side by side${cache:+ (files unchanged since the last run are skipped)}"
# $cache is deliberately unquoted: it is empty or several options.
# shellcheck disable=SC2086
node --max-old-space-size=2048 node_modules/eslint/bin/eslint.js . --max-warnings 0 $cache --cache-location node_modules/.cache/eslint/ &
eslint=$!
# shellcheck disable=SC2086
prettier --check . $cache || prettier_failed=1
wait "$eslint" || { echo "lint: ESLint found problems (above)"; exit 1; }
[ -z "$prettier_failed" ] || { echo "lint: Prettier found unformatted files (above)"; exit 1; }
echo "lint: clean"
