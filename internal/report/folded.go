package report

import (
	"bufio"
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
)

// Folded writes a flame as folded stacks, the lines Brendan Gregg's stackcollapse scripts
// write and flamegraph.pl and speedscope read: per stack, its frames from the root separated
// by ';', a space, and its bytes. Stacks of no bytes are left out. Lines come in the order of
// a walk of the stacks' tree, children by label, so that the output is the same for the same
// snapshot. A frame is cleaned of control characters (a newline would end the line) and of
// spaces at its ends, and its ';' written as '；' (U+FF1B), which reads the same and splits
// nothing.
func Folded(w io.Writer, f *analysis.Flame) error {
	labels := make([]string, len(f.Frames))
	for i, l := range f.Frames {
		labels[i] = foldedFrame(l)
	}
	// The children of each stack, by label: CSR over the stacks, roots under index 0.
	n := len(f.Parent)
	start := make([]int32, n+2) // stack+1 -> the first of its children in kids
	for _, p := range f.Parent {
		start[p+2]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	kids := make([]int32, n)
	fill := slices.Clone(start[:n+1])
	for s, p := range f.Parent {
		kids[fill[p+1]] = int32(s)
		fill[p+1]++
	}
	fill = nil
	byLabel := func(x, y int32) int {
		if c := cmp.Compare(labels[f.Frame[x]], labels[f.Frame[y]]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	}
	for p := 0; p <= n; p++ {
		slices.SortFunc(kids[start[p]:start[p+1]], byLabel)
	}

	bw := bufio.NewWriter(w)
	var line []byte
	ends := []int{} // the length of line at each depth of the walk
	type visit struct {
		stack int32
		depth int
	}
	todo := []visit{}
	for i := int(start[1]) - 1; i >= int(start[0]); i-- {
		todo = append(todo, visit{kids[i], 0})
	}
	for len(todo) > 0 {
		v := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		ends = ends[:v.depth]
		if v.depth > 0 {
			line = append(line[:ends[v.depth-1]], ';')
		} else {
			line = line[:0]
		}
		line = append(line, labels[f.Frame[v.stack]]...)
		ends = append(ends, len(line))
		if b := f.Bytes[v.stack]; b != 0 {
			if _, err := bw.Write(strconv.AppendInt(append(line, ' '), b, 10)); err != nil {
				return err
			}
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
		for i := int(start[v.stack+2]) - 1; i >= int(start[v.stack+1]); i-- {
			todo = append(todo, visit{kids[i], v.depth + 1})
		}
	}
	return bw.Flush()
}

// foldedFrame writes a frame for a folded line: no control characters, no ';', not empty.
func foldedFrame(label string) string {
	s := strings.TrimSpace(strings.ReplaceAll(Clean(label), ";", "；"))
	if s == "" {
		return "?"
	}
	return s
}
