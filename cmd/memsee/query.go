package main

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type queryOptions struct {
	IO      *IOStreams
	f       *Factory
	out     outputFlags
	Format  report.Format
	Wide    bool // tables whole, not cut to the terminal
	SQL     string
	Write   bool
	Objects []string // snapshot references whose objects the query sees as tables
}

func newCmdQuery(f *Factory, runF func(*queryOptions) error) *cobra.Command {
	o := &queryOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "query <sql>",
		Short: "Run SQL over the database",
		Long: `Query runs one SQL statement over the database and prints the rows. Without --write the
statement can only read: the connection is read-only and SQLite refuses, before it runs,
anything that would change a file (INSERT, DELETE, CREATE, DROP, ATTACH, VACUUM, BEGIN, and
pragmas other than those that describe the schema). The tables (snapshot, function, site, sample, type_stat,
root, ...) are described in README.md.

The objects of a heap dump are stored a page of 1,024 at a time. --objects lays out the objects
of the snapshots it names as the table object for this query (snapshot, oid, addr, type, size,
len, value, distance, parent, via, idom, retained, gen, refs, referrers, site, born: refs and
referrers are counts, site an id of alloc_site, born the collector's count at the object's
allocation), about a second per million objects; and, when the query names it, their references as
the table ref (snapshot, src, dst, kind, name), a row per reference.`,
		Example: `  $ memsee query "select label, total_bytes from snapshot order by id"
  $ memsee query --objects 4 "select t.name, count(*) from object o join type t on t.id = o.type where o.snapshot = 4 and o.gen = 2 group by 1 order by 2 desc"
  $ memsee query "select f.name, sum(x.inuse_bytes) from sample x join site s on s.id = x.site join function f on f.id = s.function where x.snapshot = 3 group by 1 order by 2 desc limit 5"`,
		Args: exactArgs(1, "one SQL statement (quote it)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.SQL = args[0]
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return queryRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	cmd.Flags().BoolVar(&o.Write, "write", false, "allow statements that change the database")
	cmd.Flags().StringSliceVar(&o.Objects, "objects", nil, "lay out these heap-dump snapshots' objects as the tables object and ref (comma-separated)")
	return cmd
}

func queryRun(ctx context.Context, o *queryOptions) error {
	open := o.f.Store // read-only: SQLite refuses any statement that would change a file
	if o.Write {
		open = o.f.StoreWrite
	}
	db, err := open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	qo := store.QueryOptions{Write: o.Write}
	for _, ref := range o.Objects {
		snap, err := graphSnapshot(ctx, db, ref)
		if err != nil {
			return err
		}
		qo.Objects = append(qo.Objects, snap.ID)
	}
	res, err := db.Query(ctx, o.SQL, qo)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	t := &report.Table{}
	for _, c := range res.Columns {
		t.Columns = append(t.Columns, report.Column{Title: c, Key: c, Unit: report.UnitRaw})
	}
	t.Rows = res.Rows
	return report.Render(o.IO.Tables(o.Wide), o.Format, t)
}
