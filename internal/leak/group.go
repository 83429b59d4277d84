package leak

import (
	"fmt"
	"slices"
	"strings"
)

// Inside reports whether inner's objects live inside outer's: whether what outer's holder
// holds also keeps inner's holder alive.
type Inside func(outer, inner *Finding) bool

// Group makes the findings read as a user fixes leaks, at the holder:
//   - a finding inside another whose key runs through the elements of a collection (more
//     holders than the outer one: the __dict__ of every AuditEntry in a list) is part of the
//     outer finding's growth, the list that holds more and more entries, and is dropped; one
//     with as many holders as the outer (a static of a class that each new class loader
//     loads again, under one name) is not;
//   - a finding whose growth is mostly (half or more) that of holders inside it is
//     dropped for them: the module's dict grows because the list in it grows, and the list is
//     the holder to name;
//   - findings of one kind with one holder are merged into one, their types listed by
//     growth (a dict that grew Product values and their str keys is one static leak).
//
// inside may be nil when keys cannot nest (allocation sites). The result is sorted.
func Group(fs []Finding, inside Inside) []Finding {
	if inside != nil {
		fs = dropNested(fs, inside)
	}
	return mergeByHolder(fs)
}

func dropNested(fs []Finding, inside Inside) []Finding {
	n := len(fs)
	in := make([][]bool, n) // in[i][j]: j lives inside i
	part := make([]bool, n) // part[j]: j is the insides of the elements of a finding around it
	for i := range fs {
		in[i] = make([]bool, n)
		for j := range fs {
			in[i][j] = i != j && inside(&fs[i], &fs[j])
			if in[i][j] && fs[j].Holders > max(fs[i].Holders, 1) {
				part[j] = true
			}
		}
	}
	var kept []Finding
	for i := range fs {
		if part[i] {
			continue
		}
		// The growth explained by single holders inside it: the outermost of them only, so
		// that nothing is counted twice.
		var explained int64
		for j := range fs {
			if !in[i][j] || part[j] {
				continue
			}
			outermost := true
			for k := range fs {
				if k != j && !part[k] && in[i][k] && in[k][j] {
					outermost = false
					break
				}
			}
			if outermost {
				explained += fs[j].Growth.Bytes
			}
		}
		if 2*explained < fs[i].Growth.Bytes {
			kept = append(kept, fs[i])
		}
	}
	return kept
}

func mergeByHolder(fs []Finding) []Finding {
	Sort(fs)
	type key struct {
		holder string
		kind   Kind
	}
	at := map[key]int{}
	var out []Finding
	var whats [][]string
	for _, f := range fs {
		k := key{f.Holder, f.Kind}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			f.Points = append([]Point(nil), f.Points...) // merging adds into it
			out = append(out, f)
			whats = append(whats, []string{f.What})
			continue
		}
		m := &out[i]
		whats[i] = append(whats[i], f.What)
		m.Key += "\n" + f.Key
		m.Growth = add(m.Growth, f.Growth)
		m.PerSnapshot = add(m.PerSnapshot, f.PerSnapshot)
		m.BytesPerHour += f.BytesPerHour
		m.Steps = max(m.Steps, f.Steps)
		for p := range m.Points {
			m.Points[p] = add(m.Points[p], f.Points[p])
		}
	}
	for i := range out {
		out[i].What = listTypes(whats[i])
	}
	Sort(out)
	return out
}

func add(a, b Point) Point { return Point{Count: a.Count + b.Count, Bytes: a.Bytes + b.Bytes} }

// listTypes names up to three types, the largest growth first, and how many more there are;
// a type is named once.
func listTypes(all []string) string {
	var ts []string
	for _, t := range all {
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	if len(ts) <= 3 {
		return strings.Join(ts, ", ")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(ts[:3], ", "), len(ts)-3)
}
