#!/bin/sh
# gen.sh writes memsee's Ruby samples (testdata/ruby): the shop service of shop.rb, its leaking
# series shop1..4.json.gz, then its churn-only control churn1..4.json.gz, and keys.rb's Hash
# (rubykeys.json.gz). Run it from the
# repository root (make testdata does).
#
# A dump holds every string of the process: its environment, $LOAD_PATH, each file's name.
# The service runs with an empty environment (but for PATH and LANG), without RubyGems
# (--disable-gems, which also keeps each dump near 7,000 objects before the shop's), from a
# temporary directory into which shop.rb and memsee's dumper (memsee_dumper.rb) are copied,
# so that the dumps name nothing of the machine but the interpreter's own install. RUBY
# overrides the interpreter.
set -eu
out=$(pwd)/testdata/ruby
gen=$(pwd)/testdata/gen/ruby
rb=${RUBY:-$(PATH=/usr/bin:/bin command -v ruby || command -v ruby)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$gen"/shop.rb "$gen"/keys.rb "$work/"
cp internal/heap/ruby/dumper.rb "$work/memsee_dumper.rb"
cd "$work"
mkdir dumps
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$rb" --disable-gems shop.rb dumps rubyshop
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$rb" --disable-gems shop.rb dumps rubychurn --churn-only
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$rb" --disable-gems keys.rb dumps/rubykeys.json && gzip -9 dumps/rubykeys.json
chmod 644 dumps/*.json.gz
mkdir -p "$out"
rm -f "$out"/*.json.gz
mv dumps/*.json.gz "$out/"
