# shop.rb: a small shop service that leaks in two ways, and dumps its heap with
# ObjectSpace.dump_all after each round of requests. memsee's Ruby samples
# (testdata/ruby) are its dumps; testdata/gen/ruby/gen.sh runs it.
#
#   ruby --disable-gems shop.rb OUT PREFIX [--churn-only]
#
# writes OUT/PREFIX1.json.gz .. OUT/PREFIX4.json.gz, two seconds apart, each gzip'd with the
# time it was taken in its header. Standard library only, and the dumper memsee ships
# (internal/heap/ruby/dumper.rb, copied beside this file as memsee_dumper.rb by gen.sh), whose
# dump_all writes the names of constants, class-level instance variables and globals after
# ObjectSpace.dump_all's lines.
#
# - static leak: Shop::CURRENCIES, a constant Hash filled with Currency objects once,
#   between dump 1 and dump 2, and never again;
# - incremental leak: Shop::SessionStore keeps every Session it opens in a class-level
#   array (@sessions), REQUESTS more between each dump;
# - churn: every request builds a response that is garbage right after.
#
# With --churn-only the same requests run, the currencies are looked up without being kept
# and the sessions are dropped: nothing grows.
require "objspace"
require "zlib"
require_relative "memsee_dumper"

ObjectSpace.trace_object_allocations_start

module Shop
  CURRENCIES = {}
  REQUESTS = 400

  class Currency
    def initialize(code, rate)
      @code = code
      @name = "Currency #{code}"
      @rate = rate
    end
  end

  class Session
    attr_reader :id

    def initialize(id, user)
      @id = id
      @user = user
      @cart = ["sku-#{id}-a", "sku-#{id}-b"]
    end
  end

  class SessionStore
    TTL = "30 minutes"
    @sessions = []

    def self.open(session, keep)
      @sessions << session if keep
      session
    end
  end

  def self.load_currencies(keep)
    2000.times do |i|
      c = Currency.new(format("C%04d", i), 1.0 + i / 1000.0)
      CURRENCIES[format("C%04d", i)] = c if keep
    end
  end

  def self.handle_request(n, keep)
    session = SessionStore.open(Session.new("s-%06d" % n, "user-#{n % 97}"), keep)
    response = Array.new(20) { |i| "line #{i} for #{session.id}" }.join("\n")
    response.bytesize
  end
end

out, prefix, mode = ARGV
keep = mode != "--churn-only"
n = 0
(1..4).each do |k|
  Shop.load_currencies(keep) if k == 2
  if k > 1
    Shop::REQUESTS.times do
      n += 1
      Shop.handle_request(n, keep)
    end
  end
  GC.start
  plain = File.join(out, "#{prefix}#{k}.json")
  File.open(plain, "w") { |f| MemseeDumper.dump_all(f) }
  Zlib::GzipWriter.open(plain + ".gz", Zlib::BEST_COMPRESSION) do |gz|
    gz.mtime = Time.now
    gz.write(File.binread(plain))
  end
  File.delete(plain)
  sleep 2 if k < 4
end
