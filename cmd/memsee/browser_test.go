package main

import (
	"context"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var screenshot = flag.String("screenshot", "", "TestBrowserReport: save the screenshot of the report here too (docs/img/report.png)")

// chromiumFlags are how the browser test starts Chromium: headless, and with nothing of its
// own that would go to the network, so that every request it makes is the page's.
var chromiumFlags = []chromedp.ExecAllocatorOption{
	chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-quic", true),
	chromedp.Flag("disable-extensions", true),
	chromedp.Flag("disable-default-apps", true),
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.Flag("force-color-profile", "srgb"),
}

// TestBrowserReport opens the report of the samples (Go, Python and Node) in headless
// Chromium: every chart must be drawn, with its dots where its data puts them and the kinds
// of leak drawn differently; the page may make no request but for itself and write no error
// to the console; it must follow the reader's dark mode and print. It saves a screenshot.
// Without Chromium it is skipped: make test-browser says how to install it.
func TestBrowserReport(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed, so the report is not opened in a browser: apt-get install -y chromium (Debian's package), then make test-browser")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(writeReport(t, "--memory-limit", "64MiB", "-n", "5")), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromiumFlags, chromedp.ExecPath(chromium), chromedp.UserDataDir(filepath.Join(dir, "profile")))
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	if err := chromedp.Do(ctx); err != nil { // start the browser and open the tab before listening
		// A browser that is installed but cannot start on this machine (a container without
		// what Chromium needs, a launcher that fails) is as good as missing: the report's own
		// faults show only once a page is open, and those fail the test below.
		t.Skipf("%s is installed but did not start here, so the report is not opened in a browser: %s; run make test-browser where Chromium starts", chromium, briefly(err.Error(), 160))
	}
	var mu sync.Mutex
	var requests, problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console."+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, string(e.Entry.Level)+": "+e.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1100, 1400), chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening the report: %v", err)
	}

	type chart struct {
		ID               string
		Width, Height    float64
		YMax, Top, PlotH float64
		Dots             []struct{ Bytes, CY, W float64 }
		Points           int
		Dashes           map[string]string // a line's class -> its stroke-dasharray
		Stroke           string
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](`[...document.querySelectorAll("svg.chart")].map(svg => {
		const r = svg.getBoundingClientRect();
		const dashes = {};
		let points = 0;
		for (const g of svg.querySelectorAll("g.series")) {
			const line = g.querySelector("polyline");
			points += line.points.numberOfItems;
			dashes[g.classList[1]] = getComputedStyle(line).strokeDasharray;
		}
		return {ID: svg.id, Width: r.width, Height: r.height, YMax: +svg.dataset.ymax, Top: +svg.dataset.top,
			PlotH: +svg.dataset.ploth, Points: points, Dashes: dashes,
			Stroke: getComputedStyle(svg.querySelector("polyline")).stroke,
			Dots: [...svg.querySelectorAll("circle.dot")].map(c => ({Bytes: +c.dataset.bytes, CY: c.cy.baseVal.value, W: c.getBBox().width}))};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	// Three processes: a timeline each, and a chart of leaks each (every sample leaks).
	if len(charts) != 6 {
		t.Fatalf("%d charts drawn, want 6: %+v", len(charts), charts)
	}
	for _, c := range charts {
		if c.Width < 300 || c.Height < 100 {
			t.Errorf("%s: drawn %vx%v", c.ID, c.Width, c.Height)
		}
		if len(c.Dots) == 0 || len(c.Dots) != c.Points {
			t.Errorf("%s: %d dots for %d points of its lines", c.ID, len(c.Dots), c.Points)
		}
		if c.Stroke == "" || c.Stroke == "none" {
			t.Errorf("%s: the line has no stroke (%q): the style did not apply", c.ID, c.Stroke)
		}
		for _, d := range c.Dots {
			if want := c.Top + c.PlotH*(1-d.Bytes/c.YMax); math.Abs(d.CY-want) > 0.06 || d.W <= 0 {
				t.Errorf("%s: the dot of %v bytes is at y=%v (want %.2f), %v wide", c.ID, d.Bytes, d.CY, want, d.W)
			}
		}
		if strings.HasPrefix(c.ID, "leaks") {
			inc, static := c.Dashes["kind-incremental"], c.Dashes["kind-static"]
			if inc == "" || static == "" || inc == static {
				t.Errorf("%s: incremental drawn %q, static %q: want them different", c.ID, inc, static)
			}
		}
	}
	tree, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ul.tree details").length`))
	if err != nil || tree == 0 {
		t.Errorf("dominator tree: %d collapsible nodes (%v)", tree, err)
	}

	// Light, then dark as the reader's setting asks.
	for _, tt := range []struct{ scheme, bg string }{{"light", "rgb(255, 255, 255)"}, {"dark", "rgb(13, 17, 23)"}} {
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: tt.scheme}}})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
		bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).backgroundColor`))
		if err != nil || bg != tt.bg {
			t.Errorf("%s: background %q (%v), want %q", tt.scheme, bg, err, tt.bg)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}})
		return err
	})); err != nil {
		t.Fatal(err)
	}

	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF())
	if err != nil || len(pdf) < 10<<10 {
		t.Errorf("printing to PDF: %d bytes (%v)", len(pdf), err)
	}

	// The screenshot: the Python process's part, its top, scaled down.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W float64 }](`(() => {
		const r = document.querySelector("#p1").getBoundingClientRect();
		return {X: r.left + scrollX, Y: r.top + scrollY, W: r.width};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			CaptureBeyondViewport: ptrTo(true),
			Clip:                  &page.Viewport{X: box.X - 8, Y: box.Y - 8, Width: box.W + 16, Height: 1500, Scale: 0.6},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes, not a PNG", len(png))
	}
	out := filepath.Join(dir, "report.png")
	if *screenshot != "" {
		out = *screenshot
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(png))

	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 1 || requests[0] != url {
		t.Errorf("requests %q: want only the page itself, %s", requests, url)
	}
	if len(problems) > 0 {
		t.Errorf("console: %q", problems)
	}
}

func ptrTo[T any](v T) *T { return &v }

// briefly is s on one line, cut to at most n bytes: enough of a browser's start-up error to
// say why it did not start.
func briefly(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
