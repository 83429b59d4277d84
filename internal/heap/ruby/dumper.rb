# memsee_dumper.rb: heap dumps of this Ruby process for memsee, on a signal.
#
# Ruby 2.7+ (dumps as Ruby 3.1 writes them are what memsee has been checked against), standard
# library only. memsee prints this file with `memsee dumper ruby`; copy it next to your program
# and, at start-up:
#
#   require_relative "memsee_dumper"
#   MemseeDumper.start("/var/lib/myapp/heapdumps")     # or MEMSEE_DUMP_DIR; SIGUSR2 by default
#
# Then `kill -USR2 <pid>` writes heap-<pid>-<time>-<n>.json.gz into that directory (the time in
# UTC, to the millisecond: heap-4242-20261129T184512.345Z-1.json.gz) and says so on stderr.
# After a few dumps taken over time: `memsee load heap-*.json.gz`, `memsee leaks`, and `memsee
# top <label> --by site` for the file and line that allocated what grew.
#
# - start turns on ObjectSpace.trace_object_allocations (trace: false leaves it off), so that
#   every object allocated from then on records its file, line and GC generation in the dump.
#   It costs memory for as long as the process runs (an entry per live traced object) and
#   time at every allocation: docs/formats/ruby.md has the figures measured for memsee.
# - A dump is ObjectSpace.dump_all after a full GC.start (gc: false skips it), written plain
#   to a temporary file (dump_all writes only to a File), then gzip'd at level 1 into
#   another. dump_all holds the GVL from start to end: the process is paused for as long as
#   it takes. zlib compresses without the GVL, so the program runs during the gzip; the disk
#   must hold the plain dump for that long.
# - Dumps are written safely: into a temporary file of the directory (created 0600, never
#   through a symlink), synced, then renamed to its name: a reader never sees half a dump, and
#   a failed dump leaves no file. One dump at a time: a signal that arrives during a dump is
#   skipped, with a line on stderr.
# - The signal handler only starts a thread (Ruby allows no lock in a trap handler); the
#   thread takes the dump and reports on stderr, and never raises into the program.
# - A dump after GC.compact (or with GC.auto_compact on) is of moved objects: memsee then
#   cannot match objects across dumps by address. The dumper says so on stderr when the
#   process compacted its heap since its previous dump.
#
# A dump holds every string of the process: keep the directory private, and the dumps too.
require "objspace"
require "zlib"

module MemseeDumper
  @lock = Mutex.new
  @count = 0
  @compactions = nil

  class << self
    # start enables allocation tracing and makes signal (a name, "USR2", or a number) write a
    # dump into directory. It raises at once when there is no such directory. It returns the
    # previous handler of the signal.
    def start(directory = ENV["MEMSEE_DUMP_DIR"], signal: "USR2", trace: true, gc: true)
      raise ArgumentError, "MemseeDumper.start: name a directory, or set MEMSEE_DUMP_DIR" if directory.nil? || directory.empty?
      dir = File.expand_path(directory) # the program may chdir later
      raise Errno::ENOTDIR, dir unless File.directory?(dir)
      ObjectSpace.trace_object_allocations_start if trace
      Signal.trap(signal) do
        Thread.new do
          begin
            started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
            path = dump_to_directory(dir, gc: gc)
            if path
              note(format("heap dump written to %s in %.1f s", path, Process.clock_gettime(Process::CLOCK_MONOTONIC) - started))
            else
              note("a heap dump is being written: this signal is skipped")
            end
          rescue Exception => e # a full disk, a removed directory: the program goes on
            note("heap dump into #{dir} failed: #{e.message}")
          end
        end
      end
    end

    # dump_to_directory writes a dump, gzip'd, to a new file heap-<pid>-<time>-<n>.json.gz in
    # directory and returns its path; nil when another dump is being written. It raises when
    # the dump cannot be written, after removing the temporary file.
    def dump_to_directory(directory, gc: true)
      return nil unless @lock.try_lock
      begin
        GC.start if gc
        compactions = GC.stat[:compact_count]
        if compactions && @compactions && compactions != @compactions
          note("the heap was compacted since the previous dump: objects moved, and memsee cannot match them by address across the two")
        end
        @compactions = compactions
        now = Time.now.utc
        @count += 1
        name = format("heap-%d-%s-%d.json.gz", Process.pid, now.strftime("%Y%m%dT%H%M%S.%LZ"), @count)
        path = File.join(directory, name)
        tmp = File.join(directory, ".#{name}.#{rand(1 << 32).to_s(16)}.tmp")
        plain = tmp + ".json"
        begin
          # dump_all writes only to a File: the plain dump first, then gzip'd in blocks
          # (zlib compresses without the GVL, so the program runs again meanwhile).
          File.open(plain, File::WRONLY | File::CREAT | File::EXCL | File::NOFOLLOW, 0o600) do |f|
            ObjectSpace.dump_all(output: f)
          end
          File.open(tmp, File::WRONLY | File::CREAT | File::EXCL | File::NOFOLLOW, 0o600) do |f|
            gz = Zlib::GzipWriter.new(f, 1)
            gz.mtime = now
            File.open(plain, "rb") do |src|
              buf = String.new(capacity: 1 << 20)
              gz.write(buf) while src.read(1 << 20, buf)
            end
            gz.finish
            f.fsync
          end
          File.rename(tmp, path)
        rescue Exception
          File.unlink(tmp) rescue nil
          raise
        ensure
          File.unlink(plain) rescue nil
        end
        path
      ensure
        @lock.unlock
      end
    end

    private

    def note(message)
      $stderr.write("memsee_dumper: #{message}\n")
      $stderr.flush
    rescue Exception
      nil
    end
  end
end
