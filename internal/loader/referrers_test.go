package loader

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store/page"
)

// TestReferrersAgainstBruteForce checks referrers.pages, whatever the windows it takes, and
// the ranking of what it gathers (ranker.rank, as a page's builder ranks them) against each
// object's referrers found by looking at every edge: each source once, the largest retained
// first, then by oid.
func TestReferrersAgainstBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name           string
		objects, edges int
		hub            bool // a third of the edges point to one object
	}{
		{"one page", 300, 900, false},
		{"pages", 5*page.Size + 17, 20 * page.Size, false},
		{"a hub", 4*page.Size + 3, 12 * page.Size, true},
		{"no edges", 2*page.Size + 1, 0, false},
	} {
		rng := rand.New(rand.NewPCG(uint64(tc.objects), uint64(tc.edges)))
		n := tc.objects
		// Sources in order, as graph.Graph has them: by oid, once the load has renumbered them.
		src := make([]int, tc.edges)
		for i := range src {
			src[i] = rng.IntN(n)
		}
		slices.Sort(src)
		edgeStart := make([]uint32, n+1)
		for _, s := range src {
			edgeStart[s+1]++
		}
		for i := 1; i <= n; i++ {
			edgeStart[i] += edgeStart[i-1]
		}
		targets := make([]uint32, tc.edges) // oids
		for i := range targets {
			targets[i] = uint32(rng.IntN(n))
			if tc.hub && i%3 == 0 {
				targets[i] = uint32(n / 2)
			}
		}
		retained := make([]uint64, n)
		for i := range retained {
			retained[i] = uint64(rng.IntN(50)) // few values: ties are ranked by oid
		}

		want := make([][]uint32, n) // oid -> ranked referrers' oids
		for o := range n {
			var r []rankedReferrer
			for s := range n {
				for e := edgeStart[s]; e < edgeStart[s+1]; e++ {
					if targets[e] == uint32(o) {
						r = append(r, rankedReferrer{retained[s], uint32(s)})
						break
					}
				}
			}
			slices.SortFunc(r, func(x, y rankedReferrer) int {
				return cmp.Or(cmp.Compare(y.retained, x.retained), cmp.Compare(x.oid, y.oid))
			})
			for _, x := range r {
				want[o] = append(want[o], x.oid)
			}
		}

		for _, budget := range []int{1, page.Size, 3 * page.Size, tc.edges + 1} {
			sizes := graph.SizesOf(retained)
			refs := &referrers{edgeStart: edgeStart, targets: targets, retained: sizes}
			out, stop := make(chan *pageReferrers), make(chan struct{})
			go refs.pages(budget, out, stop)
			pages := (n + page.Size - 1) / page.Size
			// Each page is checked by a goroutine of its own that lets it go after a while, as
			// the page workers do: a window's memory reused too soon fails the check.
			var checking sync.WaitGroup
			for p := range pages {
				rp := <-out
				checking.Add(1)
				go func() {
					defer checking.Done()
					time.Sleep(time.Duration(p%7) * 50 * time.Microsecond)
					objects := min(page.Size, n-p*page.Size)
					if len(rp.end) != objects+1 {
						t.Errorf("%s, budget %d: page %d has %d objects, want %d", tc.name, budget, p, len(rp.end)-1, objects)
						return
					}
					var k ranker
					for i := range objects {
						o := p*page.Size + i
						if got := k.rank(nil, rp.from[rp.end[i]:rp.end[i+1]], &sizes); !slices.Equal(got, want[o]) {
							t.Errorf("%s, budget %d: oid %d has referrers %v, want %v", tc.name, budget, o, got, want[o])
							break
						}
					}
					rp.built <- struct{}{}
				}()
			}
			checking.Wait()
			close(stop)
		}
	}
}
