"""Write a heap dump of this Python process in meliae's JSON-lines format, for memsee.

Python 3.8+, standard library only. memsee prints this file with `memsee dumper python`; copy
it next to your program (or anywhere on its path) and call:

    import memsee_dumper
    memsee_dumper.dump_all_objects("dumps/heap1.json.gz")   # gzip'd because of the .gz

Then, after a few dumps taken over time: `memsee load dumps/heap*.json.gz`, `memsee diff first
last` to see which types grew, and `memsee path --type <Type>` to see who holds them.

The output is what meliae's scanner.dump_all_objects writes: one JSON object per line for
every object the garbage collector tracks and every object they refer to (str, int and other
untracked objects included), each written once:

    {"address": 140012, "type": "dict", "size": 232, "len": 2, "refs": [140100, 140200, ...]}

- address is id(o); type the name of type(o) (for an instance, its class); size is
  sys.getsizeof(o); len for str, bytes, bytearray, tuple, list, set, frozenset and dict; value
  for str (the first 100 characters, JSON-escaped, ASCII: a lone surrogate is written as
  "\\udc80", as meliae does), int (within 64 bits, bare), float (bare, or quoted when not
  finite) and bool ("True", "False"); name for modules, functions, classes and types;
  freevars for a function with a closure, the names of its variables in the order of its
  cells (its code's co_freevars: a field of memsee's, which meliae does not write).
- refs, in this order: for a dict, key, value, key, value... (types that subclass dict start
  with those pairs, then the rest of gc.get_referents); for an instance with a __dict__,
  that __dict__ first, then the rest of gc.get_referents (its class, then slots or a base
  type's contents); for a module, its __dict__ first; for anything else, gc.get_referents(o)
  in its order. This order is what lets memsee name the edges (module shop -> ._audit_log).

Taking a dump pauses the program: it runs in the calling thread with gc disabled, about 2 s
per million objects (2.1 s for 1.05 million on CPython 3.11, gzip'd; 1.8 s uncompressed).
Other threads may run while it writes (file I/O releases the GIL); objects they create
meanwhile are not in the dump. Its extra memory is small: the list from gc.get_objects
(8 bytes per tracked object), a bitmap of the untracked objects already written (about 1/64 of
the heap's address range), and a buffer of 4096 lines (+18 MB peak RSS for 1.05 million
objects on a 72 MB process). It runs gc.collect() first (collect=False to skip), so that
garbage cycles waiting for the collector are not mistaken for live objects.

On Python 3.11 and later, an instance keeps its attributes inline until something asks for its
__dict__. The dumper asks (that is how it learns the attribute names), so the first dump gives
each such instance a real __dict__: 64 bytes more per instance, kept after the dump.

Dumps are written safely. A dump goes to a temporary file in the target directory (created
0600, never through a symlink), is synced, and is renamed to its name only once complete: a
reader never sees half a dump under that name, and a failed dump leaves no file behind. One dump
is written at a time: a dump asked for while another is being written (a second signal, another
thread) is skipped, with one line on stderr, and returns None.

From a signal handler, so that `kill -USR1 <pid>` takes a dump (in the main thread, at
start-up; the directory may also come from the environment variable MEMSEE_DUMP_DIR):

    import memsee_dumper
    memsee_dumper.install_signal_handler("/var/lib/myapp/heapdumps")

Each signal writes heap-<pid>-<time>-<n>.json.gz in that directory (the time in UTC, as
heap-4242-20261129T184512.345Z-1.json.gz) and says so on stderr; a failure (a full disk, say)
is reported on stderr too, and never raised into the program. Python runs the handler in the main thread between two bytecodes, so the dump is of a
consistent program state. Use a directory only you can write to (not /tmp itself).

From a debug endpoint (keep it off the public network: a dump holds every string of the
process):

    @app.route("/debug/heapdump", methods=["POST"])   # Flask; any framework will do
    def heapdump():
        path = memsee_dumper.dump_to_directory(os.environ["MEMSEE_DUMP_DIR"])
        return {"path": path}                         # None: another dump was being written

Every dump says when it was taken, so that memsee orders dumps by the time they were taken,
and gives their growth per hour, however the files were copied: the name dump_to_directory
chooses holds the time (UTC, to the millisecond), and a gzip'd dump's header holds it too
(MTIME, to the second: when the dumper took the list of objects), whatever the file is named.
A dump written uncompressed to a name of your choosing holds no time: memsee then asks for the
dumps in order.

Called directly, dump_all_objects and dump_to_directory raise OSError when the dump cannot be
written (the temporary file is removed first); only install_signal_handler's handler keeps
every error from the program.
"""

import _thread
import gc
import gzip
import itertools
import os
import signal
import sys
import time
import types
from itertools import filterfalse

try:
    from _json import encode_basestring_ascii as _quote
except ImportError:  # Python builds without the C accelerator
    from json.encoder import py_encode_basestring_ascii as _quote

__all__ = ["dump_all_objects", "dump_to_directory", "install_signal_handler"]

# Held while a dump is written. Taken without waiting: a signal handler that waited for it in
# the main thread, while the main thread writes a dump, would wait forever.
_lock = _thread.allocate_lock()
_counter = itertools.count(1)  # numbers the dumps of dump_to_directory
_signal_dirs = {}  # signal number -> the directory install_signal_handler writes to

_MAX_VALUE = 100  # characters of a str written as its value, as meliae does

# What to write for an object, by type; filled in per type as the dumper meets them.
_GENERIC, _STR, _INT, _FLOAT, _BOOL, _DICT, _DICT_SUB, _SIZED, _INSTANCE, _MODULE, _NAMED = range(11)


def dump_all_objects(path, collect=True, compresslevel=1):
    """Write every object of this process to path, meliae JSON lines, gzip'd if path ends in
    .gz (at compresslevel: 1 is fastest, and the process is paused while it compresses; 9 is
    about 20% smaller). Returns the number of objects written, or None when another dump was
    being written (this one is skipped, with a line on stderr).

    The dump goes to a temporary file beside path (0600, not through a symlink), which is
    synced and renamed to path once complete; if anything fails, it is removed and the error
    (an OSError, say) raised. path may also be a binary file object opened for writing (written
    as it is, not closed here)."""
    if not _lock.acquire(False):
        _note("heap dump skipped: another dump is being written")
        return None
    try:
        return _dump_locked(path, collect, compresslevel)
    finally:
        _lock.release()


def dump_to_directory(directory, collect=True, compresslevel=1):
    """Write a dump, gzip'd, to a new file heap-<pid>-<time>-<n>.json.gz in directory, as
    dump_all_objects does, and return its path; None when another dump was being written. The
    time is UTC, to the millisecond, in ISO 8601's basic format (20261129T184512.345Z); n
    counts this process's dumps from 1."""
    ms = int(time.time() * 1000)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)
    name = "heap-%d-%s-%d.json.gz" % (os.getpid(), stamp, next(_counter))
    path = os.path.join(os.fsdecode(directory), name)
    if dump_all_objects(path, collect, compresslevel) is None:
        return None
    return path


def install_signal_handler(directory=None, signum=None):
    """Make signal signum (SIGUSR1 by default) write a dump into directory (by default the
    environment variable MEMSEE_DUMP_DIR), with dump_to_directory. Call it from the main thread,
    at start-up: it raises at once (ValueError, NotADirectoryError) when there is no directory.
    The handler writes one line on stderr, naming the dump or saying why there is none, and
    never raises into the program. Returns the previous handler."""
    if directory is None:
        directory = os.environ.get("MEMSEE_DUMP_DIR")
        if not directory:
            raise ValueError("install_signal_handler: name a directory, or set MEMSEE_DUMP_DIR")
    if not os.path.isdir(directory):
        raise NotADirectoryError("install_signal_handler: %r is not a directory" % (directory,))
    if signum is None:
        signum = signal.SIGUSR1
    _signal_dirs[signum] = os.path.abspath(directory)  # the program may chdir later
    return signal.signal(signum, _on_signal)


def _on_signal(signum, frame):
    directory = _signal_dirs.get(signum)
    try:
        start = time.time()
        path = dump_to_directory(directory)
        if path is not None:
            _note("heap dump written to %s in %.1f s" % (path, time.time() - start))
    except Exception as e:  # a full disk, a removed directory: the program goes on
        _note("heap dump into %s failed: %s" % (directory, e))


def _note(message):
    """Write one line on stderr, whatever state it is in."""
    line = "memsee_dumper: %s\n" % message
    try:
        sys.stderr.write(line)
        sys.stderr.flush()
    except Exception:  # no sys.stderr, or a signal arrived while it was writing
        try:
            os.write(2, line.encode("utf-8", "replace"))
        except OSError:
            pass


def _dump_locked(path, collect, compresslevel):
    if collect:
        gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # nothing moves or is freed by the collector while we walk
    switch = sys.getswitchinterval()
    sys.setswitchinterval(max(switch, 1.0))  # other threads wait unless we do I/O
    try:
        # The dumper's own frames are not part of the program's heap; leave them out. Frames
        # are objects before 3.11, and may be materialised since.
        skip = set()
        skip.add(id(skip))
        f = sys._getframe()
        while f is not None and f.f_code in _OWN_CODE:
            skip.add(id(f))
            f = f.f_back
        del f
        # Everything the dumper makes from here on (the file, the set of written addresses,
        # the output buffers) is made after this list, so it is not in it.
        objs = gc.get_objects()
        taken = time.time()
        try:
            if hasattr(path, "write"):
                return _dump(objs, skip, path)
            return _dump_file(objs, skip, os.fsdecode(path), compresslevel, taken)
        finally:
            del objs
    finally:
        sys.setswitchinterval(switch)
        if was_enabled:
            gc.enable()


_O_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _dump_file(objs, skip, path, compresslevel, taken):
    """Write the dump to a temporary file beside path, then rename it to path. A gzip'd dump's
    header says when it was taken (MTIME, seconds since the epoch)."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, ".%s.%s.tmp" % (name, os.urandom(6).hex()))
    fd = os.open(tmp, _O_FLAGS, 0o600)
    try:
        with open(fd, "wb") as raw:
            if name.endswith(".gz"):
                # gzip is imported with the dumper, not here: a first dump that imported it
                # would show its modules as growth in the second.
                with gzip.GzipFile(path, "wb", compresslevel, raw, mtime=int(taken)) as out:
                    n = _dump(objs, skip, out)
            else:
                n = _dump(objs, skip, raw)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not every system can sync a directory
        dfd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return n


def _dump(objs, skip, out):
    get_referents = gc.get_referents
    is_tracked = gc.is_tracked
    getsizeof = sys.getsizeof
    quote = _quote
    kinds = {}  # type -> (kind, quoted type name)
    dict_getters = {}  # type -> the __dict__ descriptor of its instances, or None
    module_dict = types.ModuleType.__dict__["__dict__"].__get__
    function = types.FunctionType
    seen = _AddressSet()  # addresses of the untracked objects already written
    pages = seen.pages
    pending = []  # untracked objects found as referents, to write
    lines = []
    n = 0

    def kind_of(t):
        try:
            name = t.__name__
        except Exception:
            name = "?"
        if not isinstance(name, str):
            name = "?"
        if t is str:
            k = _STR
        elif t is bool:
            k = _BOOL
        elif t is int:
            k = _INT
        elif t is float:
            k = _FLOAT
        elif t is dict:
            k = _DICT
        elif issubclass(t, dict):
            k = _DICT_SUB
        elif t in (bytes, bytearray, tuple, list, set, frozenset):
            k = _SIZED
        elif issubclass(t, types.ModuleType):
            k = _MODULE
        elif issubclass(t, type) or t in (types.FunctionType, types.BuiltinFunctionType):
            k = _NAMED
        elif _dict_getter(t, dict_getters) is not None:
            k = _INSTANCE
        else:
            k = _GENERIC
        kt = (k, quote(name))
        kinds[t] = kt
        return kt

    def write(o):
        """Append o's line and queue its untracked referents."""
        t = type(o)
        kt = kinds.get(t)
        if kt is None:
            kt = kind_of(t)
        k, tname = kt
        try:
            size = getsizeof(o)
        except Exception:
            size = t.__basicsize__
        extra = ""
        refs = None
        if k == _STR:
            extra = ', "len": %d, "value": %s' % (len(o), quote(o[:_MAX_VALUE]))
        elif k == _INT:
            if -(1 << 63) <= o < (1 << 64):
                extra = ', "value": %d' % o
        elif k == _BOOL:
            extra = ', "value": "True"' if o else ', "value": "False"'
        elif k == _FLOAT:
            r = repr(o)
            extra = ', "value": ' + (r if r[-1].isdigit() else quote(r))
        elif k == _DICT or k == _DICT_SUB:
            refs, extra = _dict_refs(o, k, get_referents)
        elif k == _SIZED:
            extra = ', "len": %d' % len(o)
        elif k == _INSTANCE:
            refs = _instance_refs(o, t, dict_getters, get_referents, is_tracked, seen, pending)
        elif k == _MODULE:
            try:
                d = module_dict(o)
            except Exception:
                d = None
            refs = get_referents(o)
            if d is not None:
                refs = [d] + [r for r in refs if r is not d]
            extra = _name(o)
        elif k == _NAMED:
            extra = _name(o)
            if t is function:
                refs = get_referents(o)
                extra += _freevars(o, refs)
        if refs is None:
            refs = get_referents(o)
        if refs:
            for r in filterfalse(is_tracked, refs):
                # seen.add(id(r)), inlined: this is the dumper's innermost loop.
                a = id(r)
                page = pages.get(a >> 16)
                if page is None:
                    page = pages[a >> 16] = bytearray(1024)
                i = (a >> 6) & 1023
                bit = 1 << ((a >> 3) & 7)
                b = page[i]
                if not b & bit:
                    page[i] = b | bit
                    pending.append(r)
            lines.append('{"address": %d, "type": %s, "size": %d%s, "refs": [%s]}\n'
                         % (id(o), tname, size, extra, ", ".join(map(str, map(id, refs)))))
        else:
            lines.append('{"address": %d, "type": %s, "size": %d%s, "refs": []}\n'
                         % (id(o), tname, size, extra))

    for o in objs:
        if id(o) in skip:
            continue
        write(o)
        n += 1
        while pending:
            write(pending.pop())
            n += 1
        if len(lines) >= 4096:
            out.write("".join(lines).encode("ascii"))
            del lines[:]
    out.write("".join(lines).encode("ascii"))
    return n


class _AddressSet:
    """A set of object addresses, as one bit per 8 bytes of address space, in 64 KiB pages
    made as needed: about 1 KiB per 64 KiB of heap that holds an object added, instead of a
    set entry and an int object (about 80 bytes) per address."""

    __slots__ = ("pages",)

    def __init__(self):
        self.pages = {}

    def add(self, addr):
        """Add addr; report whether it was new. (_dump has a copy of this, inlined.)"""
        page = self.pages.get(addr >> 16)
        if page is None:
            page = self.pages[addr >> 16] = bytearray(1024)
        i = (addr >> 6) & 1023
        bit = 1 << ((addr >> 3) & 7)
        b = page[i]
        if b & bit:
            return False
        page[i] = b | bit
        return True


def _dict_getter(t, cache):
    """The __dict__ descriptor of t's instances, if it is the standard one (a getset); None
    when t's instances have no __dict__, or when t defines its own __dict__, which could run
    the program's code."""
    if t in cache:
        return cache[t]
    g = None
    for base in t.__mro__:
        d = base.__dict__.get("__dict__")
        if d is not None:
            if type(d) is types.GetSetDescriptorType:
                g = d.__get__
            break
    cache[t] = g
    return g


def _dict_refs(d, k, get_referents):
    try:
        refs = []
        for key, value in dict.items(d):
            refs.append(key)
            refs.append(value)
    except RuntimeError:  # changed size while we read it (another thread)
        return get_referents(d), ""
    extra = ', "len": %d' % (len(refs) // 2)
    if k == _DICT_SUB:
        values = set(map(id, refs[1::2]))
        refs += [r for r in get_referents(d) if id(r) not in values]
    return refs, extra


def _instance_refs(o, t, dict_getters, get_referents, is_tracked, seen, pending):
    before = get_referents(o)
    try:
        d = dict_getters[t](o)
    except Exception:
        return before
    if type(d) is not dict:
        return before
    for r in before:
        if r is d:
            break
    else:
        # The __dict__ did not exist before we asked (3.11+ keeps attributes inline): it is
        # new, so it is in no list; write it after its instance.
        if seen.add(id(d)):
            pending.append(d)
        before = get_referents(o)
    return [d] + [r for r in before if r is not d]


def _name(o):
    try:
        name = o.__name__
    except Exception:
        return ""
    if not isinstance(name, str):
        return ""
    return ', "name": ' + _quote(name[:_MAX_VALUE])


_MAX_FREEVARS = 256  # a closure with more variables than this gets no names

# The members of a function and of a code object, read through their descriptors: a function's
# __closure__ and a code object's co_freevars are plain fields (or, for co_freevars since 3.11,
# a tuple CPython builds from the code's own names), so reading them runs no code of the
# program. (A function's __code__ is not read: its getter raises an audit event; the code
# object is found among the function's referents instead.)
_func_closure = types.FunctionType.__dict__["__closure__"].__get__
_code_freevars = types.CodeType.__dict__["co_freevars"].__get__


def _freevars(f, refs):
    """The field naming the variables of function f's closure, in the order of its cells:
    ', "freevars": ["events"]'; "" when f has no closure, or when what it holds is not what
    CPython makes (a closure that is not a tuple, names that are not str, a count that does not
    match the cells), so that a reader never names a cell wrongly."""
    try:
        cells = _func_closure(f)
        if type(cells) is not tuple or not cells or len(cells) > _MAX_FREEVARS:
            return ""
        code = None
        for r in refs:
            if type(r) is types.CodeType:
                code = r
                break
        if code is None:
            return ""
        names = _code_freevars(code)
    except Exception:
        return ""
    if type(names) is not tuple or len(names) != len(cells):
        return ""
    for name in names:
        if type(name) is not str or not name or len(name) > _MAX_VALUE:
            return ""  # a name is written whole or not at all: a shortened one would be wrong
    return ', "freevars": [%s]' % ", ".join([_quote(name) for name in names])


# Every function of this module: their frames are left out of a dump.
_OWN_CODE = frozenset(
    f.__code__ for f in list(globals().values())
    if isinstance(f, types.FunctionType) and f.__module__ == __name__
)



def _warm_gzip():
    """Write one gzip file into memory, so that what gzip and struct create on first use (the
    struct module's cache of formats) exists before a dump lists the objects: made while a
    dump is written, it would be referred to by objects in the dump and missing from it."""
    import io
    with gzip.GzipFile(fileobj=io.BytesIO(), mode="wb", mtime=0) as out:
        out.write(b"\n")


_warm_gzip()

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 dumper.py OUT.json.gz   (dumps this small process: a demo)")
    print(dump_all_objects(sys.argv[1]), "objects written to", sys.argv[1])
