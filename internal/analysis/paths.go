package analysis

import (
	"context"
	"sort"

	"github.com/memsee/memsee/internal/store"
)

// PathOptions say how much of what holds an object Paths finds.
type PathOptions struct {
	All bool // a shortest path through each of the object's other referrers too
	N   int  // with All: at most N paths in all (0 for all)
	// MaxDominators keeps, of a longer dominator chain, the outermost two and the innermost
	// MaxDominators-2 (where leaks are fixed); 0 keeps them all.
	MaxDominators int
}

// Dominator is one object of a dominator chain, and where it is.
type Dominator struct {
	store.Object
	Path string // Walker.Describe
}

// ObjectPaths is what holds one object.
type ObjectPaths struct {
	Snapshot store.Snapshot
	Object   store.Object
	Paths    []string // the shortest path first, then (All) one through each other referrer
	// Dominators is the dominator chain, outermost first; Hidden of them are left out after
	// the second (PathOptions.MaxDominators).
	Dominators []Dominator
	Hidden     int
}

// Paths finds how obj, in snapshot snap, is reached from a root and which objects dominate it.
func Paths(ctx context.Context, db *store.DB, snap store.Snapshot, obj store.Object, o PathOptions) (*ObjectPaths, error) {
	w := NewWalker(db, snap.ID)
	main, err := w.PathTo(ctx, obj.OID)
	if err != nil {
		return nil, err
	}
	r := &ObjectPaths{Snapshot: snap, Object: obj, Paths: []string{main}}
	if o.All {
		refs, _, err := db.Related(ctx, snap.ID, obj.OID, false, 0)
		if err != nil {
			return nil, err
		}
		var via []store.Object
		for _, x := range refs {
			if x.OID != obj.Parent && x.Distance >= 0 {
				via = append(via, x)
			}
		}
		sort.Slice(via, func(i, j int) bool {
			if via[i].Distance != via[j].Distance {
				return via[i].Distance < via[j].Distance
			}
			return via[i].OID < via[j].OID
		})
		for _, x := range via {
			if o.N > 0 && len(r.Paths) >= o.N {
				break
			}
			p, err := w.PathTo(ctx, x.OID)
			if err != nil {
				return nil, err
			}
			names, err := db.EdgeNames(ctx, snap.ID, x.OID, obj.OID)
			if err != nil {
				return nil, err
			}
			name := ""
			for _, n := range names {
				if n != "" {
					name = n + " "
					break
				}
			}
			r.Paths = append(r.Paths, p+" -> "+name+"("+obj.Type+")")
		}
	}
	doms, err := w.DominatorChain(ctx, obj.OID)
	if err != nil {
		return nil, err
	}
	if m := o.MaxDominators; m > 0 && len(doms) > m {
		r.Hidden = len(doms) - m
		doms = append(doms[:2:2], doms[len(doms)-(m-2):]...)
	}
	for _, d := range doms {
		p, err := w.Describe(ctx, d.OID)
		if err != nil {
			return nil, err
		}
		r.Dominators = append(r.Dominators, Dominator{d, p})
	}
	return r, nil
}

// TypePaths is what holds the instances of a type, merged by holder.
type TypePaths struct {
	Snapshot  store.Snapshot
	Type      string
	Instances int
	Held      []Held // largest retained first, then by path; the first N, when asked for N
	Paths     int    // the merged paths in all
}
