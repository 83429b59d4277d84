# big.rb: a large real heap dump of a Ruby process, for memsee's benchmarks.
#
#   ruby --disable-gems testdata/gen/ruby/big.rb OBJECTS OUT
#
# builds, with allocation tracing on, a heap shaped like a long-running service and dumps it
# with ObjectSpace.dump_all into OUT (plain JSON lines), about OBJECTS objects in all (the
# interpreter's own ~7,000 included):
#
# - a session cache: a Hash of String keys to Session objects, each with a user String, a
#   Hash of settings and an Array of tag Strings (allocated at big.rb lines of their own);
# - an audit log: an Array of Event structs with a message String;
# - linked chains of Node objects 1,000 deep (objects that only a long path reaches).
#
# make bench (bench/ruby_test.go) runs it into bench/.data/, which git ignores. Content is
# seeded: the same OBJECTS gives the same shapes.
require "objspace"

ObjectSpace.trace_object_allocations_start

class Session
  def initialize(i, rng)
    @user = "user-#{i}"
    @settings = { "theme" => "dark", "lang" => "en-#{rng.rand(100)}" }
    @tags = Array.new(rng.rand(1..3)) { |k| "tag-#{k}" }
  end
end

Event = Struct.new(:id, :message)

class Node
  def initialize(nxt, i)
    @next = nxt
    @label = "node-#{i}"
  end
end

module Big
  SESSIONS = {}
  AUDIT = []
  CHAINS = []
end

target = Integer(ARGV[0])
out = ARGV[1]
rng = Random.new(1)
# About 10 objects per session, 2 per event, 2 per node; split three ways.
per = target / 3
(per / 10).times { |i| Big::SESSIONS["s-#{i}"] = Session.new(i, rng) }
(per / 2).times { |i| Big::AUDIT << Event.new(i, "event #{i} happened") }
(per / 2 / 1000).times do |c|
  head = nil
  1000.times { |i| head = Node.new(head, c * 1000 + i) }
  Big::CHAINS << head
end
GC.start
File.open(out, "w") { |f| ObjectSpace.dump_all(output: f) }
