# leak.rb: a small Ruby process running memsee's dumper, for the end-to-end tests of memsee
# capture by signal (cmd/memsee/live_test.go).
#
# It starts the dumper (memsee_dumper.rb, the output of `memsee dumper ruby`, must be in the
# directory given as -I; the dump directory comes from MEMSEE_DUMP_DIR), then keeps a new
# Session in the class-level array Sessions.@all at every tick, never trimmed: an incremental
# leak. Argument 1 is a number of small objects kept from the start (a heap to measure
# captures against; default 0). A tick that comes more than 50 ms late says so on stderr
# ("paused 120 ms"): how long a capture stopped the program.
#
#   memsee dumper ruby > memsee_dumper.rb
#   MEMSEE_DUMP_DIR=$PWD/dumps ruby -I. testdata/gen/live/ruby/leak.rb 1000000 &
#   memsee capture ruby:$!
require "memsee_dumper"

class Session
  def initialize(id)
    @id = id
    @data = "x" * 1024 + id.to_s
  end
end

class Sessions
  @all = []
  class << self
    attr_reader :all
  end
end

MemseeDumper.start(ENV.fetch("MEMSEE_DUMP_DIR"), trace: false)
KEPT = Array.new(Integer(ARGV[0] || 0)) { |i| "item#{i & 255}" }
$stdout.puts "ready"
$stdout.flush
n = 0
last = Process.clock_gettime(Process::CLOCK_MONOTONIC)
loop do
  16.times do
    Sessions.all << Session.new(n)
    n += 1
  end
  sleep 0.01
  now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  late = now - last - 0.01
  $stderr.puts format("paused %d ms", late * 1000) if late > 0.05
  last = now
end
