package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildInfo is what memsee knows of its own build, from the Go toolchain's stamp in the
// binary (runtime/debug.ReadBuildInfo): go build in a git clone records the commit, its time
// and whether the work tree had changes (-buildvcs, on by default there; make build asks for
// it). go run, go test and builds outside a clone record no commit.
type buildInfo struct {
	Version  string // the module version: a tag or pseudo-version, or "(devel)"
	Commit   string // the commit's full hash, "" when the build recorded none
	Date     string // the commit's time (RFC 3339, UTC)
	Modified bool   // the work tree had changes the commit does not have
	Go       string // the toolchain that built memsee
	Platform string // GOOS/GOARCH
}

// The commit, for a build the toolchain could not stamp (a git worktree, which go build does
// not recognise as a clone): make build sets them with -ldflags -X.
var (
	vcsRevision string
	vcsTime     string // RFC 3339, UTC
	vcsModified string // "true" when the work tree had changes
)

// readBuildInfo reads the stamp, else what make build set; it never fails, and leaves the
// commit empty when neither recorded one.
func readBuildInfo() buildInfo {
	b := fromStamp(debug.ReadBuildInfo())
	if b.Commit == "" && vcsRevision != "" {
		b.Commit, b.Date, b.Modified = vcsRevision, vcsTime, vcsModified == "true"
	}
	return b
}

// fromStamp reads the toolchain's stamp, as debug.ReadBuildInfo returns it.
func fromStamp(bi *debug.BuildInfo, ok bool) buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if !ok || bi == nil {
		return b
	}
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Date = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// short is the version on one line: the module version, and the commit when there is no tag.
func (b buildInfo) short() string {
	if b.Version != "(devel)" || b.Commit == "" {
		return b.Version
	}
	c := b.Commit[:min(12, len(b.Commit))]
	if b.Modified {
		c += "-modified"
	}
	return "(devel) " + c
}

// write prints the build in lines of "name  value".
func (b buildInfo) write(w io.Writer) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "memsee %s\n", b.Version)
	if b.Commit == "" {
		sb.WriteString("commit  unknown: built without version control information (go run, go test, or a build\n" +
			"        outside a git clone); make build or go build in a clone records it\n")
	} else {
		c := b.Commit
		if b.Modified {
			c += " (modified: the work tree had uncommitted changes)"
		}
		fmt.Fprintf(&sb, "commit  %s\n", c)
		if b.Date != "" {
			fmt.Fprintf(&sb, "date    %s\n", b.Date)
		}
	}
	fmt.Fprintf(&sb, "go      %s %s\n", b.Go, b.Platform)
	_, err := io.WriteString(w, sb.String())
	return err
}

func newCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print memsee's version, commit, commit date and Go version",
		Long: `Version prints the version of memsee, the commit it was built from (marked modified when
the work tree had uncommitted changes), the commit's date, and the Go version and platform it
was built with. memsee --version prints the same.`,
		Example: `  $ memsee version`,
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.Build.write(f.IO.Out)
		},
	}
}
