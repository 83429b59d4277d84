// Package hprof reads JVM and Android heap dumps in the HPROF format (versions 1.0.1, 1.0.2
// and Android's 1.0.3; plain or gzip'd, as `jcmd <pid> GC.heap_dump -gz=1` writes them) and
// streams their objects and GC roots to a heap.Sink. The format is described in
// docs/formats/hprof.md.
//
// The reader never holds the file: it keeps the UTF8 strings (class and field names), the
// class names of LOAD_CLASS, the stack frames, and one layout per class; everything else passes
// through a fixed window.
//
// # Objects
//
// Every INSTANCE_DUMP, OBJ_ARRAY_DUMP, PRIM_ARRAY_DUMP (and Android's PRIMITIVE_ARRAY_NODATA)
// becomes one heap.Object, and so does every CLASS_DUMP: a class is an object of type
// java.lang.Class whose Value is the class name. Type names are spelled as Java source does:
// java.util.HashMap$Node, int[], java.lang.String[], byte[][]; hidden classes as jcmd spells
// them (java.lang.invoke.LambdaForm$MH/0x0000000800c01000).
//
// Edges:
//   - an object's reference fields, its own and its superclasses', are EdgeField named by the
//     field; a class's static reference fields likewise;
//   - java.lang.ref.Reference.referent, in an instance of Reference or any subclass (Weak, Soft,
//     Phantom, Finalizer...), is EdgeWeak: it does not keep its target alive;
//   - array elements are EdgeElement named by their decimal index; null ones are left out;
//   - every object refers to its class ("<class>"), and every class to its superclass
//     ("<super>") and class loader ("<loader>"), as EdgeClass. A class's signers and protection
//     domain are EdgeInternal.
//
// byte[] and char[] arrays that hold text carry it as Value, up to MaxValue bytes: a byte[] is
// read as Latin-1, or as UTF-16 when a java.lang.String whose coder is 1 (JDK 9+ compact
// strings) named it as its value before it came; a char[] (JDK 8 strings) as UTF-16. A
// java.lang.String itself has no Value here: its array may come after it, so the loader copies
// the array's Value onto the String once the whole graph is read.
//
// # Roots
//
// Every ROOT_* sub-record becomes a heap.Root, Kind in words ("jni global", "jni local",
// "java frame", "native stack", "sticky class", "thread block", "monitor", "thread",
// "unknown", and Android's "interned string", "finalizing", "debugger", "reference cleanup",
// "vm internal", "jni monitor"), Name as a Java programmer reads it where the dump says:
// "class java.lang.System", "thread 1", "shop.Shop.main(Shop.java:93) in thread 1". Android's
// ROOT_UNREACHABLE is no root and is skipped.
//
// HotSpot dumps only the boot loader's classes as roots (sticky class); the application's are
// reached through their class loader. Their static fields are what a Java programmer calls a
// leak's holder, so every class of another loader is a root too, of Kind "class", named
// "class shop.Shop": paths then read `class shop.Shop -> .AUDIT_LOG (java.util.ArrayList)`.
// (In a dump of a live heap every class is reachable anyway; the only cost is that a class
// loader's retained size does not include its classes.)
//
// # Shallow sizes
//
// HPROF records no object sizes, so Size is estimated as HotSpot lays objects out:
//   - an instance is a header plus its fields (a reference takes the reference size, a
//     primitive its own size), rounded up to 8 bytes;
//   - an array is an array header (object header plus the 4-byte length, rounded up to a
//     word) plus its elements, rounded up to 8 bytes;
//   - a class (its java.lang.Class mirror) is an instance of java.lang.Class plus its static
//     fields, rounded up to 8 bytes; the VM's own class metadata is not on the Java heap and is
//     not counted.
//
// The header and reference sizes depend on how the JVM ran, which the dump does not record:
//
//	id size  Options                    header  array header  reference
//	4        (32-bit JVM, Android)      8       12            4
//	8        (default: compressed oops) 12      16            4
//	8        UncompressedOops           12      16            8
//	8        UncompressedOops and
//	         UncompressedClassPointers  16      24            8
//
// The default is right for 64-bit HotSpot with a heap below 32 GB. From JDK 15 class pointers
// stay compressed without compressed oops; JDK 8 to 14 (and -XX:-UseCompressedClassPointers)
// need both options. HotSpot packs fields into the gaps of their superclasses' layout from
// JDK 15, which this estimate also assumes; older JDKs may pad more.
package hprof
