# counts.rb: what a Ruby heap dump holds, counted from its JSON alone with Ruby's own json
# library, as heapy does: objects per class name and per allocation site (file:line), for the
# benchmarks to check memsee's reading against (bench/ruby_test.go).
#
#   ruby --disable-gems testdata/gen/ruby/counts.rb DUMP.json
#
# prints one JSON object: {"objects": N, "by_class": {"Session": 123, ...}, "by_site":
# {"big.rb:23": 456, ...}}. A class is named by its "name", through singleton classes to the
# class they are of; the runtime's own objects (CLASS, MODULE, ICLASS, IMEMO) are counted under
# their runtime type, the way memsee's types are not: compare only the classes of the program
# and String, Array and Hash.
require "json"

classes = {}
objects = []
File.foreach(ARGV[0]) do |line|
  o = JSON.parse(line)
  next if o["type"] == "ROOT"
  classes[o["address"]] = o if o["type"] == "CLASS" || o["type"] == "MODULE"
  objects << [o["type"], o["class"], o["file"] && "#{o["file"]}:#{o["line"]}"]
end
RUNTIME = {"STRING" => "String", "ARRAY" => "Array", "HASH" => "Hash", "OBJECT" => "Object"}.freeze
by_class = Hash.new(0)
by_site = Hash.new(0)
objects.each do |type, klass, site|
  by_site[site] += 1 if site
  if %w[CLASS MODULE ICLASS IMEMO].include?(type)
    by_class[type] += 1
    next
  end
  c = classes[klass]
  8.times { c = classes[c["superclass"]] if c && c["singleton"] }
  # A hidden object of the runtime's has no class, or an anonymous one: counted under its
  # runtime type, as Ruby names that type's class.
  name = c && c["name"]
  name ||= RUNTIME[type] || type
  by_class[name] += 1
end
puts JSON.generate({"objects" => objects.size, "by_class" => by_class, "by_site" => by_site})
