package page

import (
	"bytes"
	"testing"
)

// PackObjects and PackEdges write the bytes Packer writes from the plain blobs, for full pages,
// small ones (kept plain) and a page of one object, page after page with one Packer.
func TestPackStraightFromBuilder(t *testing.T) {
	sample, _ := samplePage()
	var viaPlain, straight Packer // one of each for every page: their memory reused
	for _, tt := range []struct {
		name string
		page *Builder
	}{{"sample", sample}, {"wide", widePage()}, {"one object, no references", onePage()}, {"wide again", widePage()}} {
		t.Run(tt.name, func(t *testing.T) {
			wantObjects, err := viaPlain.Objects([]byte("x"), tt.page.AppendObjects(nil))
			if err != nil {
				t.Fatal(err)
			}
			wantEdges, err := viaPlain.Edges([]byte("x"), tt.page.AppendEdges(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.page.PackObjects(&straight, []byte("x")); !bytes.Equal(got, wantObjects) {
				t.Errorf("PackObjects(%s): %d bytes (version %d), want %d (version %d)", tt.name, len(got), got[1], len(wantObjects), wantObjects[1])
			}
			if got := tt.page.PackEdges(&straight, []byte("x")); !bytes.Equal(got, wantEdges) {
				t.Errorf("PackEdges(%s): %d bytes (version %d), want %d (version %d)", tt.name, len(got), got[1], len(wantEdges), wantEdges[1])
			}
		})
	}
}
