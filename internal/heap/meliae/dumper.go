package meliae

import _ "embed" // for DumperSource

// DumperSource is dumper.py: a Python 3.8+ module, standard library only, whose
// dump_all_objects(path) writes the running process's heap in meliae's JSON-lines format (gzip'd
// when path ends in .gz), for Python versions and installs that meliae does not support.
// `memsee dumper python` prints it; its docstring says how to call it from a signal handler or
// a debug endpoint.
//
//go:embed dumper.py
var DumperSource string
