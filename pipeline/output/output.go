package output

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// An Output is where a run's results go. Files are staged as they are
// written and become visible together, at Commit; a run that fails calls
// Abort and leaves the previous results as they were.
//
// Paths are slash-separated and relative to the output root. Files named in
// a partition folder (<table>/<key>=<value>/...) replace that whole
// partition at Commit; other files replace the file of the same name. The
// manifest (ManifestName) is always published last, so a reader that trusts
// the manifest never sees half a run.
type Output interface {
	WriteFile(ctx context.Context, name string, data []byte) error
	Commit(ctx context.Context) error
	Abort() error
	// Location names the output root, for messages.
	Location() string
}

// A PartitionRemover is an Output that can also retire whole partitions:
// the partition folder (<table>/<key>=<value>) named to RemovePartition
// disappears at Commit, with the staged files and before the manifest, so
// a reader sees it gone only together with the manifest that no longer
// lists it. wiretap prune uses it.
type PartitionRemover interface {
	RemovePartition(partition string) error
}

// ManifestName is the file each run publishes last.
const ManifestName = "manifest.json"

// PartitionPath returns the path of a table's file for a Hive partition.
func PartitionPath(table, key, value, file string) string {
	return path.Join(table, key+"="+value, file)
}

// EncodeParquet writes rows as a Parquet file with Snappy compression: about
// as small as zstd on these tables and cheaper to read.
func EncodeParquet[T any](rows []T, createdBy string) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf,
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("wiretap", createdBy, ""))
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LocalOutput is an Output in a local folder. Files are staged in a hidden
// folder inside the root (same file system, so publishing is a rename) and
// partitions are swapped in whole.
type LocalOutput struct {
	root    string
	staging string
	names   []string
	removed []string // partitions to retire at Commit
}

var _ Output = (*LocalOutput)(nil)

// NewLocalOutput prepares to write below root, creating it if needed.
func NewLocalOutput(root string) (*LocalOutput, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("output %s: %w", root, err)
	}
	removeStaleStaging(root)
	var id [6]byte
	_, _ = rand.Read(id[:])
	staging := filepath.Join(root, stagingPrefix+hex.EncodeToString(id[:]))
	if err := os.Mkdir(staging, 0o755); err != nil {
		return nil, fmt.Errorf("output %s: %w", root, err)
	}
	// Say who owns the folder, so that a later run can tell a folder left
	// by a killed run from one still being written (removeStaleStaging).
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s %d\n", host, os.Getpid())
	if err := os.WriteFile(filepath.Join(staging, stagingOwner), []byte(owner), 0o644); err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("output %s: %w", root, err)
	}
	return &LocalOutput{root: root, staging: staging}, nil
}

// stagingPrefix names the staging folders in an output root, and
// stagingOwner the file in each that names its process: "<host> <pid>".
const (
	stagingPrefix = ".staging-"
	stagingOwner  = ".owner"
)

// removeStaleStaging removes, best effort, the staging folders in root that
// a run killed before Commit or Abort left behind: those whose owner
// process, on this host, is gone. A folder without an owner file, or owned
// by another host (a shared file system) or by a live process, is left
// alone. Partitions that a killed Commit had moved aside and not yet
// replaced are put back first, so that a crash never loses a published
// partition.
func removeStaleStaging(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	host, _ := os.Hostname()
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, stagingOwner))
		if err != nil {
			continue
		}
		var owner string
		var pid int
		if _, err := fmt.Sscanf(string(data), "%s %d", &owner, &pid); err != nil || owner != host || processAlive(pid) {
			continue
		}
		restoreMovedPartitions(root, dir)
		os.RemoveAll(dir)
	}
}

// restoreMovedPartitions puts back the partitions a killed Commit moved to
// staging/.old (see swap) whose replacement was not yet published.
func restoreMovedPartitions(root, staging string) {
	old := filepath.Join(staging, ".old")
	tables, _ := os.ReadDir(old)
	for _, t := range tables {
		parts, _ := os.ReadDir(filepath.Join(old, t.Name()))
		for _, p := range parts {
			final := filepath.Join(root, t.Name(), p.Name())
			if _, err := os.Lstat(final); errors.Is(err, fs.ErrNotExist) && os.MkdirAll(filepath.Dir(final), 0o755) == nil {
				_ = os.Rename(filepath.Join(old, t.Name(), p.Name()), final)
			}
		}
	}
}

// Location is the root folder.
func (o *LocalOutput) Location() string { return o.root }

// WriteFile stages a file.
func (o *LocalOutput) WriteFile(ctx context.Context, name string, data []byte) error {
	return o.stage(name, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteFileFunc stages a file that write streams into, for files too
// large to hold in memory (the quarantine). It satisfies StreamingOutput.
func (o *LocalOutput) WriteFileFunc(ctx context.Context, name string, write func(io.Writer) error) error {
	return o.stage(name, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 256<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// stage creates the staged file of name and has write fill it.
func (o *LocalOutput) stage(name string, write func(*os.File) error) error {
	if !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("output file name %q is not a relative slash-separated path", name)
	}
	p := filepath.Join(o.staging, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("output %s: %w", p, err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", p, err)
	}
	// Writing a name again replaces the staged file; Commit must publish
	// it once.
	if !slices.Contains(o.names, name) {
		o.names = append(o.names, name)
	}
	return nil
}

// A StreamingOutput can also take a file as a stream. An Output that is not
// one takes such a file whole, through WriteFile.
type StreamingOutput interface {
	Output
	WriteFileFunc(ctx context.Context, name string, write func(io.Writer) error) error
}

// partitionOf returns the partition folder of name ("offices/date=2016-11-18"),
// or "" for a file outside any partition.
func partitionOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) >= 3 && strings.Contains(parts[1], "=") {
		return parts[0] + "/" + parts[1]
	}
	return ""
}

// Commit publishes the staged files: partitions first, one rename each,
// then loose files, the manifest last.
func (o *LocalOutput) Commit(ctx context.Context) error {
	var partitions, files []string
	seen := map[string]bool{}
	for _, n := range o.names {
		p := partitionOf(n)
		switch {
		case p == "":
			if n != ManifestName {
				files = append(files, n)
			}
		case !seen[p]:
			seen[p] = true
			partitions = append(partitions, p)
		}
	}
	slices.Sort(partitions)
	slices.Sort(files)
	for _, p := range partitions {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := o.swap(p); err != nil {
			return err
		}
	}
	if slices.Contains(o.names, ManifestName) {
		files = append(files, ManifestName)
	}
	for _, f := range files {
		final := filepath.Join(o.root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(o.staging, filepath.FromSlash(f)), final); err != nil {
			return fmt.Errorf("publish %s: %w", final, err)
		}
	}
	// Retired partitions go once the manifest no longer names them.
	for _, p := range o.removed {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Moved into the staging folder, which Abort then deletes.
		old := filepath.Join(o.staging, ".old", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(o.root, filepath.FromSlash(p)), old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", p, err)
		}
	}
	return o.Abort()
}

// swap replaces the partition folder p with its staged version.
func (o *LocalOutput) swap(p string) error {
	final := filepath.Join(o.root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	old := filepath.Join(o.staging, ".old", filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		return err
	}
	if err := os.Rename(final, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("publish %s: %w", final, err)
	}
	if err := os.Rename(filepath.Join(o.staging, filepath.FromSlash(p)), final); err != nil {
		return fmt.Errorf("publish %s: %w", final, err)
	}
	return nil
}

// RemovePartition retires a partition folder at Commit.
func (o *LocalOutput) RemovePartition(partition string) error {
	if partitionOf(partition+"/x") != partition {
		return fmt.Errorf("%q is not a partition folder (<table>/<key>=<value>)", partition)
	}
	o.removed = append(o.removed, partition)
	return nil
}

// Abort removes the staging folder and everything still in it.
func (o *LocalOutput) Abort() error {
	return os.RemoveAll(o.staging)
}
