package cli

import (
	"flag"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/privacy"
)

// privacyFlags are the privacy options of the jobs that read the archive
// (run, run --shard, nightly).
type privacyFlags struct {
	optOut       string
	pseudonymize bool
	minGroup     int
}

func (p *privacyFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&p.optOut, "opt-out", "", "file (local or s3://) of user ids, one a line, # comments: their messages are left\nout of every output and they are named in none")
	addMinGroup(fs, &p.minGroup)
	fs.BoolVar(&p.pseudonymize, "pseudonymize", false, "replace user ids by keyed pseudonyms and drop names in every output; the key\ncomes from $"+privacy.KeyEnv+" (required with this flag)")
}

// apply puts the flags into opts, taking the pseudonym key from the
// environment: never from a flag, which would show in the process list
// and in shell histories.
func (p *privacyFlags) apply(io *IO, opts *jobs.RunOptions) error {
	opts.OptOut, opts.MinGroup = p.optOut, p.minGroup
	if err := jobs.CheckMinGroup(p.minGroup); err != nil {
		return usageErrorf("%v", err)
	}
	if !p.pseudonymize {
		return nil
	}
	key := ""
	if io.Getenv != nil {
		key = io.Getenv(privacy.KeyEnv)
	}
	if _, err := privacy.NewPseudonymizer([]byte(key)); err != nil {
		return usageErrorf("--pseudonymize: %v", err)
	}
	opts.PseudonymKey = []byte(key)
	return nil
}

// addMinGroup adds --min-group, for the commands that publish a summary.
func addMinGroup(fs *flag.FlagSet, n *int) {
	fs.IntVar(n, "min-group", jobs.DefaultMinGroup, "in what is published, figures about fewer distinct authors (an office, a channel,\na topic, an hour of the week) are marked suppressed, never shown; 0 shows all (max 32)")
}
