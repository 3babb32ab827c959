package output

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// S3 has no rename, so an S3Output publishes a run by writing one object
// last: the manifest. The layout below the output root s3://bucket/out/:
//
//	out/runs/<run>/<table>/date=YYYY-MM-DD/part-0.parquet   data, written as the run goes
//	out/runs/<run>/summary.json, quarantine/..., manifest.json
//	out/manifest.json     the run's manifest plus "published": THE commit point
//	out/summary.json      copies of the loose files, made after the commit
//	out/quarantine/...    point, for dashboards
//
// The top-level manifest.json is the jobs' manifest with one member added,
// "published" (see Publication): the run id and, for every file the output
// currently holds, the key of the object that holds it, relative to the
// output root. A reader resolves every file through it and never lists
// runs/: what is listed there may be unpublished, failed or superseded.
// Because the manifest is written with a single PUT, which S3 applies
// atomically and reads back consistently, a reader sees either the
// previous run's complete set or the new run's, never a mix.
//
// The files map carries forward what earlier runs published and this run
// did not replace, with the same rules as LocalOutput: a partition folder
// this run wrote replaces that whole partition, any other file replaces the
// file of the same name. Objects of superseded runs stay where they are, so
// that a reader holding the previous manifest can finish; a lifecycle rule
// on runs/ (or a later garbage collection) may delete run prefixes that the
// manifest no longer names once they are older than any read.
//
// One run at a time may write to an output: two runs committing at once
// could each drop the other's new partitions from the files map.

// RunsDir is the folder, below an S3 output's root, that holds one prefix
// per run.
const RunsDir = "runs"

// PublicationSchema versions the "published" member of an S3 output's
// manifest.
const PublicationSchema = "wiretap.published/v1"

// Publication is the "published" member an S3Output adds to the top-level
// manifest: which run published it and where each file of the output is.
type Publication struct {
	Schema string `json:"schema"`
	Run    string `json:"run"`
	// Files maps a file name as the job wrote it ("offices/date=2016-11-18/
	// part-0.parquet", "summary.json") to its object key relative to the
	// output root ("runs/<run>/offices/date=2016-11-18/part-0.parquet"). It
	// does not list manifest.json itself.
	Files map[string]string `json:"files"`
}

// S3Output is an Output under an S3 prefix; see the comment at the top of
// this file for the layout and the publish protocol. WriteFile uploads at
// once, so memory does not grow with the run; it is safe for concurrent
// use.
type S3Output struct {
	s   *archive.S3
	run string

	mu        sync.Mutex
	written   []string          // names whose upload was attempted, in order
	loose     map[string][]byte // files outside partitions, mirrored after the commit
	manifest  []byte            // held back until Commit
	committed bool              // the manifest PUT was attempted: Abort keeps the data
	removed   map[string]bool   // partitions to retire at Commit
}

var _ Output = (*S3Output)(nil)

// NewS3Output prepares to write below the S3 location loc. It
// reads the current manifest once, so that a missing bucket or missing
// permissions fail now rather than at the end of a long run.
func NewS3Output(ctx context.Context, loc archive.Location, opts archive.S3Options) (*S3Output, error) {
	s, err := archive.NewS3(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if _, err := readPublication(ctx, s); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	return &S3Output{s: s, run: newRunID(time.Now()), loose: map[string][]byte{}}, nil
}

// newRunID returns a run id that sorts by start time and is unique with
// overwhelming probability: "20161118T100405Z-ab12cd".
func newRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Location is the output root's URL, with the prefix's trailing slash.
func (o *S3Output) Location() string { return o.s.String() }

// Run is this run's id; its files are under runs/<id>/.
func (o *S3Output) Run() string { return o.run }

func (o *S3Output) runKey(name string) string {
	return path.Join(RunsDir, o.run, name)
}

// WriteFile uploads a file under the run's prefix. The manifest is only
// kept, to be published at Commit.
func (o *S3Output) WriteFile(ctx context.Context, name string, data []byte) error {
	if !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("output file name %q is not a relative slash-separated path", name)
	}
	o.mu.Lock()
	if o.committed {
		o.mu.Unlock()
		return fmt.Errorf("output %s: WriteFile(%q) after Commit", o.Location(), name)
	}
	if name == ManifestName {
		o.manifest = bytes.Clone(data)
		o.mu.Unlock()
		return nil
	}
	if !slices.Contains(o.written, name) {
		o.written = append(o.written, name)
	}
	if partitionOf(name) == "" {
		o.loose[name] = bytes.Clone(data)
	}
	o.mu.Unlock()
	return o.s.Put(ctx, o.runKey(name), data)
}

// Commit publishes the run: it stores the run's own manifest under the run
// prefix, merges this run's files into what the current manifest
// publishes, writes the new manifest.json (the commit point), and then
// copies the loose files (summary.json, ...) to the top level.
//
// If Commit fails before the manifest PUT, nothing is published. If the
// PUT itself fails, the run may or may not be published (the server may
// have stored it and the answer been lost); either way Abort then keeps
// the run's objects, so the manifest never names a deleted one. An error
// after the PUT means the run is published but a top-level copy is stale.
func (o *S3Output) Commit(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.committed {
		return fmt.Errorf("output %s: Commit called twice", o.Location())
	}
	manifest := o.manifest
	if manifest == nil {
		manifest = []byte("{}\n")
	} else if err := o.s.Put(ctx, o.runKey(ManifestName), manifest); err != nil {
		return fmt.Errorf("commit %s: %w", o.Location(), err)
	}

	prev, err := readPublication(ctx, o.s)
	if err != nil {
		return fmt.Errorf("commit %s: %w", o.Location(), err)
	}
	pub := &Publication{Schema: PublicationSchema, Run: o.run, Files: map[string]string{}}
	replaced := map[string]bool{}
	for _, n := range o.written {
		if p := partitionOf(n); p != "" {
			replaced[p] = true
		}
	}
	var retired []string // keys of removed partitions, deleted once unpublished
	if prev != nil {
		for n, key := range prev.Files {
			p := partitionOf(n)
			if p != "" && o.removed[p] && !replaced[p] {
				retired = append(retired, key)
				continue
			}
			if p == "" || !replaced[p] {
				pub.Files[n] = key
			}
		}
	}
	for _, n := range o.written {
		pub.Files[n] = o.runKey(n)
	}
	top, err := withPublication(manifest, pub)
	if err != nil {
		return fmt.Errorf("commit %s: %w", o.Location(), err)
	}

	o.committed = true
	if err := o.s.Put(ctx, ManifestName, top); err != nil {
		return fmt.Errorf("commit %s: publishing the manifest: %w", o.Location(), err)
	}
	for _, n := range slices.Sorted(maps.Keys(o.loose)) {
		if err := o.s.Put(ctx, n, o.loose[n]); err != nil {
			return fmt.Errorf("commit %s: run %s is published, but the top-level copy of %s is stale: %w",
				o.Location(), o.run, n, err)
		}
	}
	o.loose = nil
	// Retention: a removed partition's objects are deleted, not left for
	// a lifecycle rule, once the manifest no longer names them.
	slices.Sort(retired)
	if err := o.s.Delete(ctx, retired...); err != nil {
		return fmt.Errorf("commit %s: published, but removing retired partitions: %w", o.Location(), err)
	}
	return nil
}

// RemovePartition retires a partition folder at Commit.
func (o *S3Output) RemovePartition(partition string) error {
	if partitionOf(partition+"/x") != partition {
		return fmt.Errorf("%q is not a partition folder (<table>/<key>=<value>)", partition)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.removed == nil {
		o.removed = map[string]bool{}
	}
	o.removed[partition] = true
	return nil
}

// abortTimeout bounds Abort, which has no context of its own.
const abortTimeout = time.Minute

// Abort deletes, best effort, what the run uploaded under its prefix; it
// never touches the top-level manifest. After Commit has tried to publish,
// it deletes nothing: the manifest may name those objects.
func (o *S3Output) Abort() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.committed || len(o.written) == 0 {
		o.written = nil
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	keys := []string{}
	for _, n := range o.written {
		keys = append(keys, o.runKey(n))
	}
	if o.manifest != nil {
		keys = append(keys, o.runKey(ManifestName))
	}
	if err := o.s.Delete(ctx, keys...); err != nil {
		return fmt.Errorf("abort %s: removing run %s: %w", o.Location(), o.run, err)
	}
	o.written = nil
	return nil
}

// withPublication returns the manifest, a JSON object, with pub added as
// its last member "published". The job's bytes are kept as they are, so
// the manifest reads the same as a local one, plus one member.
func withPublication(manifest []byte, pub *Publication) ([]byte, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(manifest, &members); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %w", ManifestName, err)
	}
	if _, ok := members["published"]; ok {
		return nil, fmt.Errorf("%s already has a \"published\" member", ManifestName)
	}
	p, err := json.MarshalIndent(pub, "  ", "  ")
	if err != nil {
		return nil, err
	}
	body := bytes.TrimRight(manifest, " \t\r\n")
	body = bytes.TrimRight(body[:len(body)-1], " \t\r\n") // drop the closing brace
	var b bytes.Buffer
	b.Write(body)
	if len(members) > 0 {
		b.WriteByte(',')
	}
	b.WriteString("\n  \"published\": ")
	b.Write(p)
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// readPublication returns what the manifest at the store's root publishes,
// or nil when there is no manifest yet. A manifest without a "published"
// member (e.g. written there by hand, or by a LocalOutput synced to S3) is
// an error: merging with it would drop files silently.
func readPublication(ctx context.Context, s *archive.S3) (*Publication, error) {
	rc, err := s.Open(ctx, ManifestName)
	if errors.Is(err, archive.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	var m struct {
		Published *Publication `json:"published"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Locate(ManifestName), err)
	}
	if m.Published == nil || m.Published.Schema != PublicationSchema {
		return nil, fmt.Errorf("%s has no %q \"published\" member: not written by an S3 output", s.Locate(ManifestName), PublicationSchema)
	}
	return m.Published, nil
}

// ReadPublication reads what the S3 output at loc publishes: the run and the object key of every file. It returns an error
// wrapping ErrNotExist when nothing was published there yet. Readers use it
// to find a partition: the object at Files[name], relative to location.
func ReadPublication(ctx context.Context, loc archive.Location, opts archive.S3Options) (*Publication, error) {
	if !loc.IsS3() {
		return nil, fmt.Errorf("read publication %q: not an S3 location (a local output is read as a folder)", loc)
	}
	s, err := archive.NewS3(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	pub, err := readPublication(ctx, s)
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, fmt.Errorf("%s: %w", s.Locate(ManifestName), archive.ErrNotExist)
	}
	return pub, nil
}

// ParsePublication returns what the bytes of an S3 output's top-level
// manifest publish. Readers that also want the manifest itself (the last
// run's counts) read manifest.json once and parse both from the same bytes,
// so that the two agree.
func ParsePublication(manifest []byte) (*Publication, error) {
	var m struct {
		Published *Publication `json:"published"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, err
	}
	if m.Published == nil || m.Published.Schema != PublicationSchema {
		return nil, fmt.Errorf("no %q \"published\" member: not written by an S3 output", PublicationSchema)
	}
	return m.Published, nil
}
