#!/bin/sh
# gen.sh writes the JVM leak zoo (testdata/zoo/java) with testdata/gen/zoo/java: the leaking
# series, then the churn-only control. Run it from the repository root (make testdata does).
#
# As testdata/gen/java/gen.sh does, the program runs with an empty environment (but for PATH
# and LANG), from a temporary directory, with user.home set to a made-up /home/shop, so that
# the dumps name nothing of the machine that wrote them; the plugin's classes are read from
# the relative directory plugins/.
set -eu
src=$(pwd)/testdata/gen/zoo/java
out=$(pwd)/testdata/zoo/java
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$(dirname "$(command -v java)")
javac -d "$work/classes" "$src"/shop/*.java
javac -d "$work/plugins" "$src"/plugins/*.java
cd "$work"
mkdir dumps
for mode in --leaks --churn-only; do
	[ "$mode" = --leaks ] && mode=
	env -i PATH="$bin:/usr/bin:/bin" LANG=C.UTF-8 \
		java -Xmx64m -XX:+UseSerialGC -Xshare:off -Duser.home=/home/shop -cp classes shop.ShopService --out dumps $mode
done
chmod 644 dumps/*.hprof.gz
mkdir -p "$out"
rm -f "$out"/*.hprof.gz
mv dumps/*.hprof.gz "$out/"
