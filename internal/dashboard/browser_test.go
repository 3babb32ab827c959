package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
)

// chromiumPath is where Debian's chromium package puts the browser; make
// test installs it when it is missing.
const chromiumPath = "/usr/bin/chromium"

// artifacts returns the folder for the browser test's screenshots:
// $WIRETAP_ARTIFACTS when set, else testdata/artifacts (ignored by git).
func artifacts(t *testing.T) string {
	dir := os.Getenv("WIRETAP_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// figure is an element that carries a number: its data-key, data-value
// and the text shown.
type figure struct {
	Key, Value, Text string
}

const figuresJS = `Array.from(document.querySelectorAll('[data-key][data-value]')).map(e => ({Key: e.dataset.key, Value: e.dataset.value, Text: e.textContent.trim()}))`

// expected lists the figures of a summary the page must show, by data-key.
func expected(s *jobs.Summary) map[string]string {
	f := func(x float64) string { return fmt.Sprint(x) }
	want := map[string]string{
		"totals.messages":       fmt.Sprint(s.Totals.Messages),
		"totals.active_users":   fmt.Sprint(s.Totals.ActiveUsers),
		"totals.channels":       fmt.Sprint(s.Totals.Channels),
		"totals.offices":        fmt.Sprint(s.Totals.Offices),
		"totals.sentiment.mean": f(s.Totals.Sentiment.Mean),
		"totals.sarcasm.rate":   f(s.Totals.Sarcasm.Rate),
	}
	for _, o := range s.Offices {
		want["office."+o.Office+".messages"] = fmt.Sprint(o.Messages)
		want["office."+o.Office+".active_users"] = fmt.Sprint(o.ActiveUsers)
		want["office."+o.Office+".sentiment.mean"] = f(o.Sentiment.Mean)
	}
	for _, u := range s.MostReacted {
		want["reacted."+u.UserID+".reactions_received"] = fmt.Sprint(u.ReactionsReceived)
	}
	for key, list := range map[string][]jobs.MoodRank{"most_positive": s.MostPositive, "most_negative": s.MostNegative,
		"most_positive_offices": s.MostPositiveOffices} {
		for _, r := range list {
			k := key + "." + r.Office
			if r.UserID != "" {
				k = key + "." + r.TeamID + "/" + r.UserID
			}
			want[k+".mean"] = f(r.Mean)
		}
	}
	if s.Threads != nil {
		for office, t := range s.Threads.ByOffice {
			want["threads."+office+".threads_started"] = fmt.Sprint(t.ThreadsStarted)
			want["threads."+office+".questions"] = fmt.Sprint(t.Questions)
		}
	}
	for key, c := range map[string]*jobs.PeopleChange{"new_people": s.NewPeople, "lapsed_people": s.LapsedPeople} {
		if c == nil {
			continue
		}
		for office, n := range c.ByOffice {
			want[key+"."+office] = fmt.Sprint(n)
		}
	}
	return want
}

// TestBrowser drives Debian's chromium over `serve` and the report: no
// console errors, every panel there, the numbers those of summary.json,
// the pickers change them, and the hostile name and text show as text and
// run nothing.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is missing at %s: make test installs it as root (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("chromium is missing at %s: install it (apt-get install -y chromium) or run make test as root", chromiumPath)
	}
	out, facts, _, _ := fixture(t)
	source := &dashboard.Source{Out: loctest.Parse(t, out)}
	opts := dashboard.Options{RankPeople: true}
	srv := httptest.NewServer((&dashboard.Server{Source: source, Options: opts}).Handler())
	defer srv.Close()
	shots := artifacts(t)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900), chromedp.CombinedOutput(io.Discard))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	note := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == "error" || m.IsException() {
				note("console: " + m.String())
			}
		}
	}()
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			note(fmt.Sprintf("a script opened a %s dialog: %q", d.Type, d.Message))
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		defer tcancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(js string, v any) {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// check compares the page's figures with the summary of q and returns
	// them by key.
	check := func(view string, q dashboard.Query) map[string]string {
		t.Helper()
		a, err := source.Answer(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var figs []figure
		eval(figuresJS, &figs)
		got := map[string]string{}
		for _, f := range figs {
			got[f.Key] = f.Value
		}
		for k, v := range expected(a.Summary) {
			if got[k] != v {
				t.Errorf("%s: %s is %q on the page, %q in summary.json", view, k, got[k], v)
			}
		}
		var panels []struct{ ID, State, Text string }
		eval(`Array.from(document.querySelectorAll('section[data-panel]')).map(e => ({ID: e.dataset.panel, State: e.dataset.state, Text: e.textContent}))`, &panels)
		if len(panels) != 13 {
			t.Errorf("%s: %d panels, want 13", view, len(panels))
		}
		for _, p := range panels {
			if p.ID == "reacted" && p.State != dashboard.StateShown {
				t.Errorf("%s: the most reacted-to panel is %s, though the archive has reactions", view, p.State)
			}
			switch p.State {
			case dashboard.StateShown:
				var n int
				eval(fmt.Sprintf(`document.querySelectorAll('#%s svg.chart, #%s tbody tr').length`, p.ID, p.ID), &n)
				if n == 0 {
					t.Errorf("%s: panel %s is shown but has no chart and no rows", view, p.ID)
				}
			case dashboard.StateAbsent, dashboard.StateOff, dashboard.StateEmpty:
				var msg string
				eval(fmt.Sprintf(`document.querySelector('#%s .message') ? document.querySelector('#%s .message').textContent : ''`, p.ID, p.ID), &msg)
				if msg == "" {
					t.Errorf("%s: panel %s is %s without saying why", view, p.ID, p.State)
				}
			default:
				t.Errorf("%s: panel %s has state %q", view, p.ID, p.State)
			}
		}
		return got
	}
	noHostileMarkup := func(view string) {
		t.Helper()
		var imgs, scripts int
		eval(`document.querySelectorAll('img').length`, &imgs)
		eval(`Array.from(document.scripts).filter(s => !s.src).length`, &scripts)
		if imgs != 0 || scripts != 0 {
			t.Errorf("%s: %d img and %d inline script elements: hostile text became markup", view, imgs, scripts)
		}
		var text string
		eval(`document.body.textContent`, &text)
		for _, s := range []string{xssName, "</script><script>alert(2)</script>"} {
			if !strings.Contains(text, s) {
				t.Errorf("%s: the page does not show %q as text", view, s)
			}
		}
	}
	day := func(d int) time.Time { return facts.Start.AddDate(0, 0, d) }

	// The default view: the last 7 days, every office.
	run(chromedp.Navigate(srv.URL + "/"))
	week := check("last 7 days", dashboard.Query{From: day(3), To: day(10)})
	noHostileMarkup("last 7 days")
	shot("1-dashboard-all-offices-7-days.png")

	// Another range through the range picker.
	run(chromedp.Click(`a[href="/?days=30"]`), chromedp.WaitVisible(`a.selected[href="/?days=30"]`))
	all := check("last 30 days", dashboard.Query{From: day(0), To: day(10)})
	if all["totals.messages"] == week["totals.messages"] {
		t.Error("switching the range did not change the messages shown")
	}
	shot("2-dashboard-all-offices-30-days.png")

	// One office through the office picker (our script submits on change).
	// One change event, as a person choosing in the list makes (SetValue
	// may fire its own, which would race with a second).
	run(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('office'); s.value = 'berlin'; s.dispatchEvent(new Event('change')); })()`))
	// Wait for the new page; evaluating during the navigation fails, so
	// errors only mean "not yet".
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && document.querySelector('[data-key=scope]') !== null && document.querySelector('[data-key=scope]').textContent === 'Office: berlin'`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the office picker did not switch to berlin (last error: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	berlin := check("berlin", dashboard.Query{From: day(0), To: day(10), Office: "berlin"})
	if berlin["totals.messages"] == all["totals.messages"] {
		t.Error("switching the office did not change the messages shown")
	}
	noHostileMarkup("berlin")
	shot("3-dashboard-berlin-30-days.png")

	// The report, opened from its file.
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	q := dashboard.Query{From: day(0), To: day(10)}
	if err := dashboard.WriteReport(context.Background(), source, q, opts, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate("file://" + file))
	check("report", q)
	noHostileMarkup("report")
	shot("4-report-file.png")

	time.Sleep(200 * time.Millisecond) // let the last console events arrive
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("screenshots in %s", shots)
}
