# keys.rb: a Hash whose values are held under a Symbol made at run time (a heap object, unlike a
# literal's) and under a String, dumped with ObjectSpace.dump_all, so that memsee's tests can
# check how a value's path spells its key: [:name] for a Symbol, ["name"] for a String.
# gen.sh runs it: ruby --disable-gems keys.rb OUT.json
require "objspace"

name = "dynamic_" + "key"
$keys = { name.to_sym => "held under a Symbol " * 50, "string_key" => "held under a String " * 60 }
GC.start
File.open(ARGV.fetch(0), "w") { |f| ObjectSpace.dump_all(output: f) }
