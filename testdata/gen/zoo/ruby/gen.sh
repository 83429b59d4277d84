#!/bin/sh
# gen.sh writes the Ruby leak zoo (testdata/zoo/ruby): the leaking series leak1..3.json.gz,
# then the churn-only control churn1..3.json.gz. Run it from the repository root (make
# testdata does).
#
# The service runs with an empty environment (but for PATH and LANG), without RubyGems, from a
# temporary directory into which zoo.rb and memsee's dumper (memsee_dumper.rb) are copied, so
# that the dumps name nothing of the machine but the interpreter's own install and that
# directory. RUBY overrides the interpreter.
set -eu
out=$(pwd)/testdata/zoo/ruby
gen=$(pwd)/testdata/gen/zoo/ruby
rb=${RUBY:-$(PATH=/usr/bin:/bin command -v ruby || command -v ruby)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$gen"/zoo.rb "$work/"
cp internal/heap/ruby/dumper.rb "$work/memsee_dumper.rb"
cd "$work"
mkdir dumps
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$rb" --disable-gems zoo.rb dumps leak
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$rb" --disable-gems zoo.rb dumps churn --churn-only
chmod 644 dumps/*.json.gz
mkdir -p "$out"
rm -f "$out"/*.json.gz
mv dumps/*.json.gz "$out/"
