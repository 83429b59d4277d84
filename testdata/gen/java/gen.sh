#!/bin/sh
# gen.sh writes the JVM samples (testdata/java) with testdata/gen/java/shop: the leaking series
# with its class histograms, then the churn-only series. Run it from the repository root (make
# testdata does).
#
# A heap dump holds the JVM's whole heap, which includes its environment, working directory and
# class path: the program runs with an empty environment (but for PATH and LANG), from a
# temporary directory, with user.home set to a made-up /home/shop, so that the samples name
# nothing of the machine that wrote them.
set -eu
out=$(pwd)/testdata/java
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$(dirname "$(command -v java)")
javac -d "$work/classes" testdata/gen/java/shop/*.java
cd "$work"
for mode in --leaks --churn-only; do
	[ "$mode" = --leaks ] && mode=
	env -i PATH="$bin:/usr/bin:/bin" LANG=C.UTF-8 \
		java -Xmx64m -XX:+UseSerialGC -Xshare:off -Duser.home=/home/shop -cp classes shop.Shop --out . $mode
done
chmod 644 ./*.hprof.gz histo*.txt
rm -f "$out"/*.hprof.gz "$out"/histo*.txt
mv ./*.hprof.gz histo*.txt "$out/"
