package cli

import (
	"context"
	"flag"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/privacy"
)

const serveExamples = `  # The dashboard over local outputs, on this machine only:
  wiretap serve --out ./out
  # then open http://127.0.0.1:8080/

  # Reachable from the office network: credentials are required.
  WIRETAP_AUTH_TOKEN=$(openssl rand -hex 16) wiretap serve --out s3://acme-wiretap/out --addr 0.0.0.0:8080 --auth token

  # With the /wiretap slash command and Slack permalinks for evidence:
  SLACK_SIGNING_SECRET=... wiretap serve --out ./out --slack-domain acme
`

// dashboardFlags are the options serve, report and the slash command share.
type dashboardFlags struct {
	opts dashboard.Options
	s3   archive.S3Options
}

func (d *dashboardFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&d.opts.RankPeople, "rank-people", false, "show rankings of people (most active, mentioned, sarcastic); off by default")
	fs.IntVar(&d.opts.MinGroup, "min-group", jobs.DefaultMinGroup, "figures about fewer distinct authors (an office, a channel, a topic, an hour) are\nsuppressed and read \"fewer than N people\"; 0 shows everything")
	fs.StringVar(&d.opts.SlackDomain, "slack-domain", "", "the team's Slack domain (acme for acme.slack.com): evidence links become Slack permalinks")
	addS3Endpoint(fs, &d.s3)
}

func serveCmd(ctx context.Context, io *IO, args []string) error {
	var out archive.Location
	var addr, auth string
	var df dashboardFlags
	var grace time.Duration
	fs := newFlagSet(io, "serve --out DIR|s3://bucket/prefix [flags]",
		"Serves the dashboard (GET /), its JSON feed (GET /api/v1/summary?from=DAY&to=DAY[&office=NAME],\n"+
			"the same bytes as wiretap query --format json), GET /healthz, and the Slack slash command\n"+
			"(POST /slack/commands, when SLACK_SIGNING_SECRET is set), from what has been published only.\n"+
			"A newly published run is picked up without a restart. SIGINT or SIGTERM stop it gracefully.\n", serveExamples)
	fs.Var(&out, "out", outUsage(" of earlier runs")+" (required)")
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on; other than loopback needs --auth")
	fs.StringVar(&auth, "auth", "", "token (a bearer token from $WIRETAP_AUTH_TOKEN) or basic ($WIRETAP_AUTH_USER and $WIRETAP_AUTH_PASSWORD)")
	fs.DurationVar(&grace, "shutdown-timeout", 10*time.Second, "how long requests in flight may finish on shutdown")
	df.register(fs)
	var pseudonymous bool
	fs.BoolVar(&pseudonymous, "pseudonymize", false, "the outputs carry pseudonyms (run --pseudonymize): /wiretap me finds the caller by\ntheirs, with the key from $"+privacy.KeyEnv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if out.IsZero() {
		return usageErrorf("--out is required")
	}
	var key []byte
	if pseudonymous {
		key = []byte(io.Getenv(privacy.KeyEnv))
		if _, err := privacy.NewPseudonymizer(key); err != nil {
			return usageErrorf("--pseudonymize: %v", err)
		}
	}
	if err := jobs.CheckMinGroup(df.opts.MinGroup); err != nil {
		return usageErrorf("%v", err)
	}
	var a dashboard.Auth
	switch auth {
	case "":
	case "token":
		if a.Token = io.Getenv("WIRETAP_AUTH_TOKEN"); a.Token == "" {
			return usageErrorf("--auth token: set WIRETAP_AUTH_TOKEN")
		}
	case "basic":
		a.User, a.Password = io.Getenv("WIRETAP_AUTH_USER"), io.Getenv("WIRETAP_AUTH_PASSWORD")
		if a.User == "" || a.Password == "" {
			return usageErrorf("--auth basic: set WIRETAP_AUTH_USER and WIRETAP_AUTH_PASSWORD")
		}
	default:
		return usageErrorf("--auth %q: want token or basic", auth)
	}
	if !dashboard.IsLoopback(addr) && !a.Enabled() {
		return usageErrorf("--addr %s is reachable from other machines and the page shows people: add --auth token or --auth basic", addr)
	}
	log := logger(io, true)
	src := &dashboard.Source{Out: out, MinGroup: df.opts.MinGroup, S3: df.s3}
	if err := shareS3Client(ctx, &src.S3, out); err != nil {
		return err
	}
	srv := &dashboard.Server{Source: src, Options: df.opts, Auth: a, Logger: log}
	if secret := io.Getenv("SLACK_SIGNING_SECRET"); secret != "" {
		srv.Slash = &slashcmd.Handler{
			Secret: secret, Logger: log, RankPeople: df.opts.RankPeople, PseudonymKey: key,
			Source: &dashboard.SlashSource{Source: src, Options: df.opts},
			Client: &http.Client{Timeout: 10 * time.Second},
		}
	}
	return dashboard.ListenAndServe(ctx, addr, srv.Handler(), log, grace, func(a net.Addr) {
		host := a.String()
		if strings.HasPrefix(host, "0.0.0.0:") || strings.HasPrefix(host, "[::]:") {
			host = "this machine's address:" + host[strings.LastIndex(host, ":")+1:]
		}
		log.Info("serve: dashboard", "url", "http://"+host+"/", "out", out, "slash_command", srv.Slash != nil)
	})
}
