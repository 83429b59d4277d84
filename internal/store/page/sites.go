package page

// AppendSites appends a page's site column (alloc_page.sites): a bare integer column of n
// values, no version byte and no count, as the gen column: each object's allocation site, an
// id of the snapshot's alloc_site rows, 0 for none.
func AppendSites(dst []byte, sites []uint64) []byte { return AppendInts(dst, sites) }

// DecodeSites reads a site column of n values (see AppendSites). A blob that does not hold
// exactly n values is ErrDamaged.
func DecodeSites(b []byte, n int) (Ints, error) {
	r := reader{b: b}
	c := r.ints(n)
	if r.err == nil && len(r.b) != 0 {
		r.err = ErrDamaged
	}
	return c, r.err
}
