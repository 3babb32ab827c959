package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const reportExamples = `  # A week's report for everyone, to mail:
  wiretap report --out ./out --from 2016-11-14 --to 2016-11-21 --html week.html

  # One office, with evidence linked to Slack:
  wiretap report --out s3://acme-wiretap/out --from 2016-11-14 --to 2016-11-21 --office berlin --slack-domain acme --html berlin.html
`

func reportCmd(ctx context.Context, io *IO, args []string) error {
	var out archive.Location
	var office, file string
	var q dashboard.Query
	var df dashboardFlags
	fs := newFlagSet(io, "report --out DIR|s3://bucket/prefix --from DAY --to DAY [--office NAME] --html FILE",
		"Writes the dashboard of a range as one self-contained HTML file: styles and charts inline,\n"+
			"no script, nothing loaded from elsewhere. Open it in any browser or attach it to a mail.\n", reportExamples)
	fs.Var(&out, "out", outUsage(" of earlier runs")+" (required)")
	fs.Var(timeFlag{&q.From}, "from", "first day (required)")
	fs.Var(timeFlag{&q.To}, "to", "day after the last (required)")
	fs.StringVar(&office, "office", "", "only this office")
	fs.StringVar(&file, "html", "", "the HTML file to write (required)")
	df.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if out.IsZero() || q.From.IsZero() || q.To.IsZero() || file == "" {
		return usageErrorf("--out, --from, --to and --html are required")
	}
	if err := jobs.CheckMinGroup(df.opts.MinGroup); err != nil {
		return usageErrorf("%v", err)
	}
	q.Office = office
	src := &dashboard.Source{Out: out, MinGroup: df.opts.MinGroup, S3: df.s3}
	if err := shareS3Client(ctx, &src.S3, out); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := dashboard.WriteReport(ctx, src, q, df.opts, &buf); err != nil {
		return err
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	fmt.Fprintf(io.Err, "Wrote %s (%d KiB). Open it in a browser.\n", file, (buf.Len()+1023)/1024)
	return nil
}
