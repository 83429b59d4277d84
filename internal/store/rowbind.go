package store

/*
#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
int sqlite3_bind_int64(sqlite3_stmt*, int, long long);
int sqlite3_bind_null(sqlite3_stmt*, int);
int sqlite3_bind_text64(sqlite3_stmt*, int, const char*, unsigned long long, void(*)(void*), unsigned char);
int sqlite3_bind_blob64(sqlite3_stmt*, int, const void*, unsigned long long, void(*)(void*));
int sqlite3_step(sqlite3_stmt*);
int sqlite3_reset(sqlite3_stmt*);
sqlite3 *sqlite3_db_handle(sqlite3_stmt*);
const char *sqlite3_errmsg(sqlite3*);

// memsee_insert binds and steps nrows rows of ncol values each on a one-row INSERT, so that a
// batch crosses from Go into C once rather than once per value. kinds[i] is 0 for NULL, 1 for
// an int64 (vals[i]), 2 for text (buf[vals[i] : vals[i]+lens[i]]), 3 for a blob (the same). The
// text stays valid for the whole call, so SQLite may use it without copying (SQLITE_STATIC). It returns 0, or the
// SQLite result code of the first failure and, in *failed, the row that failed.
static int memsee_insert(sqlite3_stmt *s, int ncol, int nrows, const unsigned char *kinds,
		const int64_t *vals, const int64_t *lens, const char *buf, int *failed) {
	int i = 0;
	for (int r = 0; r < nrows; r++) {
		for (int c = 1; c <= ncol; c++, i++) {
			int rc;
			switch (kinds[i]) {
			case 0: rc = sqlite3_bind_null(s, c); break;
			case 1: rc = sqlite3_bind_int64(s, c, vals[i]); break;
			case 2: rc = sqlite3_bind_text64(s, c, buf + vals[i], (unsigned long long)lens[i], (void(*)(void*))0, 1); break;
			default: rc = sqlite3_bind_blob64(s, c, buf + vals[i], (unsigned long long)lens[i], (void(*)(void*))0);
			}
			if (rc != 0) {
				*failed = r;
				return rc;
			}
		}
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != 101) { // SQLITE_DONE
			*failed = r;
			return rc;
		}
	}
	return 0;
}

static const char *memsee_errmsg(sqlite3_stmt *s) { return sqlite3_errmsg(sqlite3_db_handle(s)); }
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// rows is a batch of rows of one table, kept as typed values for memsee_insert.
type rows struct {
	ncol  int
	kinds []byte  // value -> 0 NULL, 1 int64, 2 text, 3 blob
	vals  []int64 // value -> the int64, or the text's offset in buf
	lens  []int64 // value -> the text's length
	buf   []byte
}

func (r *rows) n() int { return len(r.kinds) / r.ncol }

func (r *rows) add(v any) {
	switch x := v.(type) {
	case nil:
		r.null()
	case int64:
		r.int(x)
	case int:
		r.int(int64(x))
	case string:
		r.text(x)
	case []byte:
		r.blob(x)
	default:
		panic(fmt.Sprintf("store: a row value of type %T", v)) // a bug in this package, not bad input
	}
}

// The typed appends below are add without the interface conversion, which allocates for most
// int64s: the object rows of a load use them.

func (r *rows) null() {
	r.kinds, r.vals, r.lens = append(r.kinds, 0), append(r.vals, 0), append(r.lens, 0)
}

func (r *rows) int(x int64) {
	r.kinds, r.vals, r.lens = append(r.kinds, 1), append(r.vals, x), append(r.lens, 0)
}

func (r *rows) text(s string) {
	r.kinds, r.vals, r.lens = append(r.kinds, 2), append(r.vals, int64(len(r.buf))), append(r.lens, int64(len(s)))
	r.buf = append(r.buf, s...)
}

// blob adds b as a blob.
func (r *rows) blob(b []byte) {
	r.kinds, r.vals, r.lens = append(r.kinds, 3), append(r.vals, int64(len(r.buf))), append(r.lens, int64(len(b)))
	r.buf = append(r.buf, b...)
}

// textFrom adds as text what was appended to buf since it was start bytes long.
func (r *rows) textFrom(start int) {
	r.kinds, r.vals, r.lens = append(r.kinds, 2), append(r.vals, int64(start)), append(r.lens, int64(len(r.buf)-start))
}

// reset empties r for reuse, keeping its memory.
func (r *rows) reset() {
	r.kinds, r.vals, r.lens, r.buf = r.kinds[:0], r.vals[:0], r.lens[:0], r.buf[:0]
}

// args returns the values as database/sql takes them, for the slow path.
func (r *rows) args() []any {
	out := make([]any, len(r.kinds))
	for i, k := range r.kinds {
		switch k {
		case 1:
			out[i] = r.vals[i]
		case 2:
			out[i] = string(r.buf[r.vals[i] : r.vals[i]+r.lens[i]])
		case 3:
			out[i] = r.buf[r.vals[i] : r.vals[i]+r.lens[i] : r.vals[i]+r.lens[i]]
		}
	}
	return out
}

// stmtHandle returns the C statement behind a go-sqlite3 statement. The field is unexported,
// so this looks it up by name; when the driver changes it, the load takes the slow path.
func stmtHandle(st *sqlite3.SQLiteStmt) (unsafe.Pointer, bool) {
	f := reflect.ValueOf(st).Elem().FieldByName("s")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return nil, false
	}
	return f.UnsafePointer(), true
}

var errNoHandle = errors.New("go-sqlite3 statement handle not found")

// insertRows runs a one-row INSERT statement for every row of r.
func insertRows(st *sqlite3.SQLiteStmt, r *rows) error {
	h, ok := stmtHandle(st)
	if !ok || h == nil {
		return errNoHandle
	}
	if len(r.kinds) == 0 {
		return nil
	}
	buf := r.buf
	if len(buf) == 0 {
		buf = []byte{0}
	}
	var failed C.int
	rc := C.memsee_insert((*C.sqlite3_stmt)(h), C.int(r.ncol), C.int(r.n()),
		(*C.uchar)(unsafe.Pointer(&r.kinds[0])), (*C.int64_t)(unsafe.Pointer(&r.vals[0])),
		(*C.int64_t)(unsafe.Pointer(&r.lens[0])), (*C.char)(unsafe.Pointer(&buf[0])), &failed)
	if rc != 0 {
		return fmt.Errorf("%s (row %d of the batch)", C.GoString(C.memsee_errmsg((*C.sqlite3_stmt)(h))), int(failed))
	}
	return nil
}
