package analysis

import (
	"cmp"
	"context"
	"slices"

	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// Holding is what one holder (an immediate dominator) keeps alive of one type.
type Holding struct {
	Holder                 int64 // oid; -1 for the super-root (nothing but the roots holds them)
	Type                   string
	Count, Bytes, Retained int64
	// Storage marks a group of its holder's storage (see LiveHoldingsThrough); its Retained is
	// the objects' own size.
	Storage bool
	// Root marks a group held by a root reference (a variable) alone: Holder is the root
	// object, named by its reference; Self says the group is that object itself, not what it
	// holds (see LiveHoldingsThrough).
	Root, Self bool
}

// Holdings groups a graph snapshot's objects by immediate dominator and type, largest retained
// first, at most n groups (all when n <= 0). Objects with one dominator never overlap, so the
// retained sums are exact.
//
// A group retains at most what all the objects its holder immediately dominates retain, so
// only the holders with the largest totals can hold the largest groups: Holdings sums each
// holder's objects in one scan, then groups by type the objects of the top holders in a
// second, and widens the set of holders until no holder left out could hold a larger group.
func Holdings(ctx context.Context, d *store.DB, snap int64, n int) ([]Holding, error) {
	totals, err := holderTotals(ctx, d, snap)
	if err != nil {
		return nil, err
	}
	byTotal := func(x, y uint64) int { return cmp.Compare(y, x) }
	for k := 4 * max(n, 1); ; k *= 4 {
		var cut, beyond uint64 // keep holders whose total is at least cut; beyond: the largest left out
		if n > 0 {
			top := largest(totals, k+1)
			slices.SortFunc(top, byTotal)
			if len(top) > k {
				cut, beyond = top[k-1], top[k]
			}
		}
		out, err := groups(ctx, d, snap, func(h int64) bool { return n <= 0 || totals[h+1] >= max(cut, 1) })
		if err != nil {
			return nil, err
		}
		sortHoldings(out)
		if n <= 0 {
			return out, nil
		}
		if len(out) >= n && uint64(out[n-1].Retained) >= beyond || beyond == 0 {
			return out[:min(n, len(out))], nil
		}
	}
}

func sortHoldings(hs []Holding) {
	slices.SortFunc(hs, func(x, y Holding) int {
		if c := cmp.Compare(y.Retained, x.Retained); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Holder, y.Holder); c != 0 {
			return c
		}
		return cmp.Compare(x.Type, y.Type)
	})
}

// largest returns the k largest non-zero values of vs, in no order.
func largest(vs []uint64, k int) []uint64 {
	h := make([]uint64, 0, k) // a min-heap of the best so far
	for _, v := range vs {
		if v == 0 || len(h) == k && v <= h[0] {
			continue
		}
		if len(h) < k {
			h = append(h, v)
			for i := len(h) - 1; i > 0 && h[(i-1)/2] > h[i]; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
			continue
		}
		h[0] = v
		for i := 0; ; {
			c := 2*i + 1
			if c >= len(h) {
				break
			}
			if c+1 < len(h) && h[c+1] < h[c] {
				c++
			}
			if h[i] <= h[c] {
				break
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	return h
}

// holderTotals returns, for each holder oid h at h+1 (the super-root at 0), the bytes that the
// objects it immediately dominates retain.
func holderTotals(ctx context.Context, d *store.DB, snap int64) ([]uint64, error) {
	n, err := d.ObjectCount(ctx, snap)
	if err != nil {
		return nil, err
	}
	totals := make([]uint64, n+1)
	err = d.EachObjectPage(ctx, snap, func(_ int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			if h := p.IDom.At(i); h <= uint64(n) { // stored as oid+1, 0 for the super-root
				totals[h] += p.Retained.At(i)
			}
		}
		return nil
	})
	return totals, err
}

// groups sums by holder and type the objects whose holder keep accepts, in no order.
func groups(ctx context.Context, d *store.DB, snap int64, keep func(holder int64) bool) ([]Holding, error) {
	type key struct{ holder, typ int64 }
	type sums struct{ n, bytes, retained int64 }
	groups := map[key]*sums{}
	err := d.EachObjectPage(ctx, snap, func(_ int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			h := p.IDom.OrNone(i)
			if !keep(h) {
				continue
			}
			k := key{h, int64(p.Type.At(i))}
			g := groups[k]
			if g == nil {
				g = &sums{}
				groups[k] = g
			}
			g.n++
			g.bytes += int64(p.Size.At(i))
			g.retained += int64(p.Retained.At(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Holding, 0, len(groups))
	for k, g := range groups {
		name, err := d.TypeName(ctx, k.typ)
		if err != nil {
			return nil, err
		}
		out = append(out, Holding{Holder: k.holder, Type: name, Count: g.n, Bytes: g.bytes, Retained: g.retained})
	}
	return out, nil
}
