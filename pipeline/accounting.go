package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Counts is the accounting of one run. Every record read ends in exactly one
// of Parsed, Quarantined, Duplicates or OptedOut, and every parsed record in exactly
// one of InRange or OutOfRange; Check verifies it.
type Counts struct {
	HoursListed     int64 `json:"hours_listed"`
	ObjectsListed   int64 `json:"objects_listed"`   // Firehose objects found in the listed hours
	ObjectsRead     int64 `json:"objects_read"`     // of those, read to the end
	ObjectsVanished int64 `json:"objects_vanished"` // listed, then gone before they could be read
	KeysSkipped     int64 `json:"keys_skipped"`     // keys in the hours that are not Firehose objects
	BytesRead       int64 `json:"bytes_read"`       // object bytes as stored (compressed, for .gz)
	BytesDecoded    int64 `json:"bytes_decoded"`    // NDJSON bytes after decompression

	RecordsRead int64 `json:"records_read"`
	Parsed      int64 `json:"parsed"`
	Quarantined int64 `json:"quarantined"`
	Duplicates  int64 `json:"duplicates"`
	// OptedOut counts the records (messages, reactions, in range or not)
	// of people on the opt-out list, left out as soon as they were
	// decoded: the only trace of them in any output.
	OptedOut   int64 `json:"opted_out,omitempty"`
	InRange    int64 `json:"in_range"`
	OutOfRange int64 `json:"out_of_range"`

	// OutOfRange, by why.
	BeforeRange   int64 `json:"before_range"`   // message time before --from
	AfterRange    int64 `json:"after_range"`    // message time at or after --to
	OutsideWindow int64 `json:"outside_window"` // arrived later than the margin after its message hour (or before it)

	// InRange, by what the record is.
	Authored  int64 `json:"authored"`  // new messages people wrote: what activity and sentiment count
	Bots      int64 `json:"bots"`      // bot messages
	Edits     int64 `json:"edits"`     // message_changed
	Deletions int64 `json:"deletions"` // message_deleted
	Reactions int64 `json:"reactions"` // reaction_added and reaction_removed
	Other     int64 `json:"other"`     // joins, leaves and other non-authored subtypes

	// Edits, Deletions and Reactions, by what became of them.
	RevisionCounts

	// QuarantineReasons counts quarantined records by reason.
	QuarantineReasons map[string]int64 `json:"quarantine_reasons"`
}

// Add adds o into c.
func (c *Counts) Add(o *Counts) {
	c.HoursListed += o.HoursListed
	c.ObjectsListed += o.ObjectsListed
	c.ObjectsRead += o.ObjectsRead
	c.ObjectsVanished += o.ObjectsVanished
	c.KeysSkipped += o.KeysSkipped
	c.BytesRead += o.BytesRead
	c.BytesDecoded += o.BytesDecoded
	c.RecordsRead += o.RecordsRead
	c.Parsed += o.Parsed
	c.Quarantined += o.Quarantined
	c.Duplicates += o.Duplicates
	c.OptedOut += o.OptedOut
	c.InRange += o.InRange
	c.OutOfRange += o.OutOfRange
	c.BeforeRange += o.BeforeRange
	c.AfterRange += o.AfterRange
	c.OutsideWindow += o.OutsideWindow
	c.Authored += o.Authored
	c.Bots += o.Bots
	c.Edits += o.Edits
	c.Deletions += o.Deletions
	c.Reactions += o.Reactions
	c.Other += o.Other
	c.RevisionCounts.Add(&o.RevisionCounts)
	for r, n := range o.QuarantineReasons {
		c.quarantine(r, n)
	}
}

func (c *Counts) quarantine(reason string, n int64) {
	if c.QuarantineReasons == nil {
		c.QuarantineReasons = make(map[string]int64)
	}
	c.QuarantineReasons[reason] += n
}

// Check verifies the accounting identities.
func (c *Counts) Check() error {
	var errs []string
	if c.RecordsRead != c.Parsed+c.Quarantined+c.Duplicates+c.OptedOut {
		errs = append(errs, fmt.Sprintf("records_read %d != parsed %d + quarantined %d + duplicates %d + opted_out %d",
			c.RecordsRead, c.Parsed, c.Quarantined, c.Duplicates, c.OptedOut))
	}
	if c.Parsed != c.InRange+c.OutOfRange {
		errs = append(errs, fmt.Sprintf("parsed %d != in_range %d + out_of_range %d", c.Parsed, c.InRange, c.OutOfRange))
	}
	if c.OutOfRange != c.BeforeRange+c.AfterRange+c.OutsideWindow {
		errs = append(errs, fmt.Sprintf("out_of_range %d != before %d + after %d + outside window %d",
			c.OutOfRange, c.BeforeRange, c.AfterRange, c.OutsideWindow))
	}
	if c.InRange != c.Authored+c.Bots+c.Edits+c.Deletions+c.Reactions+c.Other {
		errs = append(errs, fmt.Sprintf("in_range %d != sum of kinds", c.InRange))
	}
	r := &c.RevisionCounts
	if c.Edits != r.EditsApplied+r.EditsNotSeen || c.Deletions != r.DeletesApplied+r.DeletesNotSeen ||
		c.Reactions != r.ReactionsApplied+r.ReactionsNotSeen {
		errs = append(errs, fmt.Sprintf("edits %d, deletions %d, reactions %d != applied + not seen (%d+%d, %d+%d, %d+%d)",
			c.Edits, c.Deletions, c.Reactions, r.EditsApplied, r.EditsNotSeen, r.DeletesApplied, r.DeletesNotSeen,
			r.ReactionsApplied, r.ReactionsNotSeen))
	}
	if c.OutsideWindow < r.EditsLate+r.DeletesLate+r.ReactionsLate {
		errs = append(errs, fmt.Sprintf("outside_window %d < late edits, deletions and reactions", c.OutsideWindow))
	}
	var q int64
	for _, n := range c.QuarantineReasons {
		q += n
	}
	if q != c.Quarantined {
		errs = append(errs, fmt.Sprintf("quarantined %d != sum of reasons %d", c.Quarantined, q))
	}
	if errs != nil {
		return fmt.Errorf("accounting does not add up: %s", strings.Join(errs, "; "))
	}
	return nil
}

// BadRatio is the share of records read that were quarantined.
func (c *Counts) BadRatio() float64 {
	if c.RecordsRead == 0 {
		return 0
	}
	return float64(c.Quarantined) / float64(c.RecordsRead)
}

// ReasonSummary renders the quarantine reasons, most frequent first.
func (c *Counts) ReasonSummary() string {
	reasons := slices.Collect(maps.Keys(c.QuarantineReasons))
	slices.SortFunc(reasons, func(a, b string) int {
		if d := c.QuarantineReasons[b] - c.QuarantineReasons[a]; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	var sb strings.Builder
	for i, r := range reasons {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s: %d", r, c.QuarantineReasons[r])
	}
	return sb.String()
}
