package ruby

import _ "embed" // for DumperSource

// DumperSource is dumper.rb: a Ruby file, standard library only, that enables allocation
// tracing and writes a heap dump (ObjectSpace.dump_all, gzip'd) on a signal, named as memsee's
// other dumpers name theirs (heap-<pid>-<UTC stamp>-<n>.json.gz, see NameTime), written to a
// temporary file and renamed. `memsee dumper ruby` prints it; its comment says how to use it.
//
//go:embed dumper.rb
var DumperSource string

// DumperRuntimes are the names of the Ruby dumper for memsee dumper.
func (Reader) DumperRuntimes() []string { return []string{"ruby", "rb"} }

// DumperSource is the Ruby dumper.
func (Reader) DumperSource() string { return DumperSource }
