# zoo.rb: the Ruby leak zoo. One shop service leaks in six ways Ruby programs leak, at once,
# each pattern with a holder of its own, and dumps its heap with ObjectSpace.dump_all three
# times: after warm-up, then after each of two rounds of checkouts. gen.sh runs it.
#
#   ruby --disable-gems zoo.rb OUT PREFIX [--churn-only]
#
# writes OUT/PREFIX1.json.gz .. OUT/PREFIX3.json.gz, two seconds apart, each gzip'd with the
# time it was taken in its header. With --churn-only the same checkouts run and nothing is
# kept: the control, of which memsee leaks must say nothing. Standard library only, and the
# dumper memsee ships (internal/heap/ruby/dumper.rb, copied beside this file as
# memsee_dumper.rb by gen.sh), whose dump_all also writes the names of constants, class-level
# instance variables and globals.
require "objspace"
require "zlib"
require_relative "memsee_dumper"

ObjectSpace.trace_object_allocations_start

KEEP = ARGV[2] != "--churn-only"
CHECKOUTS = 400

# A note of about 100 bytes, so that each kept object weighs what a real record does.
def note(kind, n)
  "#{kind} #{n}: " + ("%-90s" % "details of #{kind} number #{n}")
end

# 1. A constant table loaded once: every product's price, before the second dump.
module Catalog
  PRICES = {}
  Product = Struct.new(:sku, :description)

  def self.load
    1000.times do |i|
      sku = format("SKU-%05d", i)
      product = Product.new(sku, note("product", i))
      PRICES[sku] = product if KEEP
    end
  end
end

# 2. A class-level Hash used as a cache, keyed by something new on every checkout.
class PriceQuote
  @cache = {}

  def initialize(key)
    @key = key
    @text = note("quote", key)
  end

  def self.for(key)
    return new(key) unless KEEP
    @cache[key] ||= new(key)
  end
end

# 3. A constant Array that every checkout appends to.
module Audit
  EVENTS = []
  Event = Struct.new(:order_id, :text)

  def self.record(order_id)
    event = Event.new(order_id, note("audit", order_id))
    EVENTS << event if KEEP
  end
end

# 4. A global variable, a request log nobody trims.
class RequestRecord
  def initialize(n)
    @n = n
    @line = note("request", n)
  end
end
$request_log = []

# 5. An instance variable of a long-lived singleton object.
class Metrics
  class Sample
    def initialize(n)
      @n = n
      @label = note("latency", n)
    end
  end

  def self.instance
    @instance ||= new
  end

  def initialize
    @samples = []
  end

  def observe(n)
    sample = Sample.new(n)
    @samples << sample if KEEP
  end
end

# 6. A proc kept in an array of callbacks: each captures the order it was made for.
module Hooks
  CALLBACKS = []

  class Order
    def initialize(n)
      @n = n
      @summary = note("order", n)
    end

    def summary
      @summary
    end
  end

  def self.after_commit(order)
    callback = proc { order.summary.size }
    CALLBACKS << callback if KEEP
    callback
  end
end

def checkout(n)
  PriceQuote.for("cart-#{n}")
  Audit.record(n)
  record = RequestRecord.new(n)
  $request_log << record if KEEP
  Metrics.instance.observe(n)
  Hooks.after_commit(Hooks::Order.new(n)).call
  # Churn: a receipt that is garbage once returned.
  Array.new(10) { |i| "receipt line #{i} of #{n}" }.join("\n").bytesize
end

out, prefix = ARGV
n = 0
(1..3).each do |k|
  Catalog.load if k == 2
  if k > 1
    CHECKOUTS.times do
      n += 1
      checkout(n)
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
  sleep 2 if k < 3
end
