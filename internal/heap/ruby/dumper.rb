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
# top <label> --by site` for the file and line that allocated what grew. `memsee capture
# ruby:<pid>` sends the signal itself, waits for the dump and loads it, and `memsee watch
# ruby:<pid>` does so every interval; they find the dumper by the empty file
# .memsee-dumper-<pid>-<signal> it keeps open in the directory.
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
# frozen_string_literal: true

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
      listening(dir, signal)
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

    # listening keeps open, for as long as the process runs, an empty file
    # .memsee-dumper-<pid>-<signal> in dir: `memsee capture ruby:PID` looks for it among the
    # process's open files before it sends the signal (Ruby ends on a signal it has no handler
    # for, and its signal mask cannot tell), and learns from it the directory and the signal.
    def listening(dir, signal)
      name = signal.is_a?(Integer) ? Signal.signame(signal) : signal.to_s.delete_prefix("SIG")
      @marker&.close
      path = File.join(dir, ".memsee-dumper-#{Process.pid}-#{name}")
      @marker = File.open(path, File::WRONLY | File::CREAT | File::NOFOLLOW, 0o600)
      at_exit { File.unlink(@marker.path) rescue nil } unless @marker_cleanup
      @marker_cleanup = true
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
            dump_all(f)
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

    # dump_all writes ObjectSpace.dump_all to file (a File), then the names of what modules,
    # classes and global variables hold, which dump_all leaves out: one line for each
    # constant, class-level instance variable and global variable whose value is an object,
    #
    #   {"type":"MEMSEE_NAME", "owner":"0x00007f08a360de90", "name":"@sessions", "to":"0x00007f08a360dda0"}
    #   {"type":"MEMSEE_NAME", "name":"$request_log", "to":"0x00007f08a360e1a8"}
    #
    # owner is the module's address, to the value's, as dump_all writes them. A heap compacted
    # between the dump and the names (GC.auto_compact) has moved objects: then the names are
    # left out, and dump_all says so on stderr; so are they when writing them fails (the dump
    # is kept: memsee reads it without names). It returns the number of names written.
    def dump_all(file)
      compactions = GC.stat[:compact_count]
      ObjectSpace.dump_all(output: file)
      file.flush
      start = file.pos
      why = nil
      count = begin
        write_names(file)
      rescue StandardError => e
        why = "writing the names failed (#{e.class}: #{e.message})"
      end
      why ||= "the heap was compacted while the names were written" if GC.stat[:compact_count] != compactions
      if why
        file.flush
        file.truncate(start)
        file.seek(start)
        note("#{why}: the dump has none")
        return 0
      end
      count
    end

    # write_names writes the MEMSEE_NAME lines (see dump_all) to io and returns their number.
    # It runs none of the program's code: it reads constants and instance variables through
    # Module's and Kernel's own methods, skips a constant still to be autoloaded, and reads an
    # object's address from Kernel#to_s (#<Hash:0x00007f08a360dda0>), at the same cost for an
    # Array of a million elements as for an empty one. Private constants are not listed by
    # Ruby, and stay unnamed. Ruby's names of constants and instance variables hold no quote,
    # backslash or control character: they are written between quotes as they are.
    def write_names(io)
      count = 0
      buf = String.new(capacity: 1 << 17)
      ObjectSpace.each_object(Module) do |mod|
        owner = nil
        CONSTANTS.bind_call(mod, false).each do |name|
          next if AUTOLOAD.bind_call(mod, name)
          value = begin
            CONST_GET.bind_call(mod, name, false)
          rescue Exception # a deprecated or removed constant, a NameError
            next
          end
          next unless (to = address(value))
          owner ||= address(mod)
          buf << '{"type":"MEMSEE_NAME", "owner":"' << owner << '", "name":"' << name.name << '", "to":"' << to << "\"}\n"
          count += 1
        end
        IVARS.bind_call(mod).each do |name|
          next unless (to = address(IVAR_GET.bind_call(mod, name)))
          owner ||= address(mod)
          buf << '{"type":"MEMSEE_NAME", "owner":"' << owner << '", "name":"' << name.name << '", "to":"' << to << "\"}\n"
          count += 1
        end
        if buf.bytesize > (1 << 16)
          io.write(buf)
          buf.clear
        end
      end
      global_variables.each do |name|
        next unless GLOBAL.match?(name.name) && !SPECIAL_GLOBALS.include?(name)
        to = address(TOPLEVEL_BINDING.eval(name.name)) rescue next
        next unless to
        buf << '{"type":"MEMSEE_NAME", "name":"' << name.name << '", "to":"' << to << "\"}\n"
        count += 1
      end
      io.write(buf)
      count
    end

    private

    CONSTANTS = Module.instance_method(:constants)
    AUTOLOAD = Module.instance_method(:autoload?)
    CONST_GET = Module.instance_method(:const_get)
    IVARS = Kernel.instance_method(:instance_variables)
    IVAR_GET = Kernel.instance_method(:instance_variable_get)
    TO_S = Kernel.instance_method(:to_s)
    GLOBAL = /\A\$[A-Za-z_][A-Za-z0-9_]*\z/
    # Globals that are not variables: $_ is the frame's last line, and $FILENAME opens ARGF's
    # next file.
    SPECIAL_GLOBALS = %i[$_ $FILENAME].freeze

    # address returns value's address as dump_all writes it, with its leading zeros
    # ("0x00007f08a360dda0"), or nil for a value that is not an object of the heap: nil, true,
    # false, and the Integers, Floats and Symbols Ruby keeps in the value itself
    # (ObjectSpace.dump, cheap for these, says which).
    def address(value)
      case value
      when nil, true, false
        return nil
      when Integer, Float, Symbol
        return nil unless ObjectSpace.dump(value).include?('"address":')
      end
      s = TO_S.bind_call(value)
      i = s.rindex(":0x") or return nil
      s[i + 1, s.bytesize - i - 2]
    end

    def note(message)
      $stderr.write("memsee_dumper: #{message}\n")
      $stderr.flush
    rescue Exception
      nil
    end
  end
end
