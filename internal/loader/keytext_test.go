package loader_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store/page"
)

// TestKeyTextWhileWriting loads a Ruby dump whose Hash holds a value under a Symbol made at run
// time and one under a String (testdata/gen/ruby/keys.rb), and checks how the pages spell the
// two values' references: the key's type is asked while the pages are written, after the
// naming pass.
func TestKeyTextWhileWriting(t *testing.T) {
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "k.db"), "../../testdata/ruby/rubykeys.json.gz")
	defer db.Close()
	want := map[string]string{"held under a Symbol": "[:dynamic_key]", "held under a String": `["string_key"]`}
	got := map[string]string{}
	err := db.EachObjectPage(context.Background(), res.ID, func(_ int64, p *page.Objects) error {
		for _, o := range p.All() {
			for prefix := range want {
				if strings.HasPrefix(o.Value, prefix) {
					got[prefix] = o.Via
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, via := range want {
		if got[prefix] != via {
			t.Errorf("the value %q... is reached by %q, want %q", prefix, got[prefix], via)
		}
	}
}
