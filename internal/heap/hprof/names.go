package hprof

import (
	"strings"
	"unicode/utf8"
)

// JavaName spells a class name as Java source does. It takes the JVM's internal form
// (java/util/HashMap$Node, [I, [Ljava/lang/String;) as LOAD_CLASS records it, and the binary
// form jcmd GC.class_histogram prints ([Ljava.lang.String;), and returns java.util.HashMap$Node,
// int[], java.lang.String[]. A hidden class's suffix is spelled as jcmd spells it:
// java.lang.invoke.LambdaForm$MH/0x0000000800c01000.
func JavaName(jvm string) string {
	dims := 0
	for dims < len(jvm) && jvm[dims] == '[' {
		dims++
	}
	name := jvm[dims:]
	if dims > 0 {
		if len(name) == 1 {
			if p := primName(name[0]); p != "" {
				name = p
			}
		} else if len(name) > 2 && name[0] == 'L' && name[len(name)-1] == ';' {
			name = name[1 : len(name)-1]
		}
	}
	switch i := strings.LastIndex(name, "+0x"); {
	case i > 0: // HotSpot's internal spelling of a hidden class
		name = strings.ReplaceAll(name[:i], "/", ".") + "/" + name[i+1:]
	case strings.IndexByte(name, '.') >= 0:
		// Already the binary form: a '/' can only be a hidden class's suffix.
	case strings.IndexByte(name, '/') >= 0:
		name = strings.ReplaceAll(name, "/", ".")
	}
	if dims == 0 {
		return name
	}
	return name + strings.Repeat("[]", dims)
}

// primName names a primitive type by its descriptor letter.
func primName(c byte) string {
	switch c {
	case 'Z':
		return "boolean"
	case 'C':
		return "char"
	case 'F':
		return "float"
	case 'D':
		return "double"
	case 'B':
		return "byte"
	case 'S':
		return "short"
	case 'I':
		return "int"
	case 'J':
		return "long"
	}
	return ""
}

// Basic types of HPROF values (docs/formats/hprof.md).
const (
	tObject  = 2
	tBoolean = 4
	tChar    = 5
	tFloat   = 6
	tDouble  = 7
	tByte    = 8
	tShort   = 9
	tInt     = 10
	tLong    = 11
)

// typeSize returns the size in the dump of a value of basic type t (ids for objects), or 0
// for a type HPROF does not define.
func typeSize(t byte, idSize int) int {
	switch t {
	case tObject:
		return idSize
	case tBoolean, tByte:
		return 1
	case tChar, tShort:
		return 2
	case tFloat, tInt:
		return 4
	case tDouble, tLong:
		return 8
	}
	return 0
}

// primArrayName is the Java name of an array of basic type t.
func primArrayName(t byte) string {
	switch t {
	case tBoolean:
		return "boolean[]"
	case tChar:
		return "char[]"
	case tFloat:
		return "float[]"
	case tDouble:
		return "double[]"
	case tByte:
		return "byte[]"
	case tShort:
		return "short[]"
	case tInt:
		return "int[]"
	case tLong:
		return "long[]"
	}
	return ""
}

// primArrayJVM is the JVM name of an array of basic type t, as LOAD_CLASS records it.
var primArrayJVM = map[string]byte{"[Z": tBoolean, "[C": tChar, "[F": tFloat, "[D": tDouble,
	"[B": tByte, "[S": tShort, "[I": tInt, "[J": tLong}

// printable reports whether r may be shown as part of a value: not a control character.
func printable(r rune) bool {
	return r >= 0x20 && (r < 0x7f || r > 0x9f) || r == '\t' || r == '\n' || r == '\r'
}

// appendLatin1 appends b, read as Latin-1, to dst as UTF-8, up to max bytes of output. It
// reports false (and dst unchanged) when b holds a character that is not text.
func appendLatin1(dst, b []byte, max int) ([]byte, bool) {
	start := len(dst)
	for _, c := range b {
		if !printable(rune(c)) {
			return dst[:start], false
		}
		if len(dst)-start+utf8.RuneLen(rune(c)) > max {
			break
		}
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst, true
}

// appendUTF16 appends b, read as UTF-16 (big-endian when be is set), to dst as UTF-8, up to
// max bytes of output. It reports false (and dst unchanged) when b holds a character that is
// not text. An odd trailing byte is ignored.
func appendUTF16(dst, b []byte, be bool, max int) ([]byte, bool) {
	start := len(dst)
	for i := 0; i+1 < len(b); i += 2 {
		u := rune(b[i])<<8 | rune(b[i+1])
		if !be {
			u = rune(b[i+1])<<8 | rune(b[i])
		}
		r := u
		if u >= 0xd800 && u < 0xdc00 && i+3 < len(b) {
			v := rune(b[i+2])<<8 | rune(b[i+3])
			if !be {
				v = rune(b[i+3])<<8 | rune(b[i+2])
			}
			if v >= 0xdc00 && v < 0xe000 {
				r = 0x10000 + (u-0xd800)<<10 + (v - 0xdc00)
				i += 2
			}
		}
		if r >= 0xd800 && r < 0xe000 {
			r = utf8.RuneError
		} else if !printable(r) {
			return dst[:start], false
		}
		if len(dst)-start+utf8.RuneLen(r) > max {
			break
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst, true
}
