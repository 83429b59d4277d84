#!/bin/sh
# gen.sh writes the JVM samples (testdata/java) with testdata/gen/java/shop: the leaking series
# with its class histograms, then the churn-only series; and with testdata/gen/java/Archived.java
# a dump of a JVM run with its defaults (cds.hprof.gz). Run it from the repository root (make
# testdata does).
#
# A heap dump holds the JVM's whole heap, which includes its environment, working directory and
# class path: the program runs with an empty environment (but for PATH and LANG), from a
# temporary directory, with user.home set to a made-up /home/shop, so that the samples name
# nothing of the machine that wrote them.
set -eu
out=$(pwd)/testdata/java
src=$(pwd)/testdata/gen/java
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
# A dump of the JVM's defaults (G1, the CDS archive's heap objects mapped): cds.hprof.gz.
javac -d "$work/archived" "$src/Archived.java"
env -i PATH="$bin:/usr/bin:/bin" LANG=C.UTF-8 \
	java -Xmx64m -Duser.home=/home/shop -cp archived Archived cds.hprof
gzip -9n cds.hprof
chmod 644 ./*.hprof.gz histo*.txt
rm -f "$out"/*.hprof.gz "$out"/histo*.txt
mv ./*.hprof.gz histo*.txt "$out/"
