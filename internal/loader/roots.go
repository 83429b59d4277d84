package loader

import (
	"slices"

	"github.com/memsee/memsee/internal/heap/graph"
)

// rootsFirst puts the roots at the addresses first (V8's user roots, the global object; or
// every root of a kind not in GraphRules.LaterRoots: graphSink.orderRoots) at the front of
// g.Roots, so that paths start from them wherever they reach an object, and the other roots
// only reach the rest.
func rootsFirst(g *graph.Graph, first []uint64) {
	byAddr := make(map[uint64]bool, len(first))
	for _, a := range first {
		byAddr[a] = true
	}
	slices.SortStableFunc(g.Roots, func(x, y graph.ObjID) int {
		ux, uy := byAddr[g.Addr.At(x)], byAddr[g.Addr.At(y)]
		switch {
		case ux && !uy:
			return -1
		case uy && !ux:
			return 1
		}
		return 0
	})
	g.FirstRoots = 0
	for _, r := range g.Roots {
		if byAddr[g.Addr.At(r)] {
			g.FirstRoots++
		}
	}
}
