package godump

import _ "embed" // for DumperSource

// DumperSource is a Go file to add to a program's main package: it records every
// allocation's stack (MemProfileRate = 1) and serves POST /debug/heapdump, which writes a heap
// dump to a local file. `memsee dumper go` prints it.
//
//go:embed dumper.go.txt
var DumperSource string
