package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// The jobs that read outputs back (query, nightly, merge, status) do it
// through an outputReader, so that they work on a local folder and on an S3
// output alike.
//
// A local output is read as the folder it is. An S3 output is read through
// its publication: the top-level manifest.json is read once, when the
// reader is opened, and every name is resolved through its
// "published.files" map (see pipeline/output/s3.go), never by listing
// runs/. The reader is therefore a consistent snapshot: a run that commits
// while a query reads does not mix into its answer.
//
// A few files live beside an output but outside its publication: the
// nightly state and the last failure (_state/). They are written with one
// atomic write each (a rename locally, a single PUT on S3) by
// readSide/writeSide/removeSide, after the commit they describe.

// outputReader reads the published files of an output location.
type outputReader interface {
	// ReadFile reads a published file by its slash-separated name relative
	// to the output root. The error wraps fs.ErrNotExist when the output
	// does not publish name.
	ReadFile(ctx context.Context, name string) ([]byte, error)
	// List returns the published file names below the folder dir ("" for
	// every file), sorted.
	List(ctx context.Context, dir string) ([]string, error)
	// Locate names a file for messages: a path or an s3:// URL.
	Locate(name string) string
}

// openOutputReader opens the outputs at location: "s3://bucket/prefix",
// "file:///path" or a plain folder, which must exist.
func openOutputReader(ctx context.Context, location string, opts archive.S3Options) (outputReader, error) {
	if pipelineIsS3(location) {
		return openS3Outputs(ctx, location, opts)
	}
	root, err := localRoot(location)
	if err != nil {
		return nil, err
	}
	return localOutputs{root: root}, nil
}

// localPath turns a "file://" location into its path; other locations are
// returned as they are.
func localPath(location string) string {
	if strings.HasPrefix(location, "file://") {
		if u, err := url.Parse(location); err == nil {
			return u.Path
		}
	}
	return location
}

// localOutputs reads an output folder.
type localOutputs struct{ root string }

func (l localOutputs) ReadFile(_ context.Context, name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("output file name %q is not a relative slash-separated path", name)
	}
	return os.ReadFile(l.Locate(name))
}

func (l localOutputs) Locate(name string) string {
	return filepath.Join(l.root, filepath.FromSlash(name))
}

// List walks dir, leaving out hidden folders: the staging folders of runs
// in progress are not published.
func (l localOutputs) List(_ context.Context, dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(l.Locate(dir), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != l.Locate(dir) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// s3Outputs reads an S3 output through the publication of its top-level
// manifest, read once at open.
type s3Outputs struct {
	s        *archive.S3
	manifest []byte              // the top-level manifest; nil when nothing is published
	pub      *output.Publication // nil when nothing is published
}

func openS3Outputs(ctx context.Context, location string, opts archive.S3Options) (*s3Outputs, error) {
	s, err := archive.NewS3(ctx, location, opts)
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	o := &s3Outputs{s: s}
	data, err := readObject(ctx, s, output.ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return o, nil // nothing published yet: an empty output
	}
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	if o.pub, err = output.ParsePublication(data); err != nil {
		return nil, fmt.Errorf("outputs: %s: %w", s.Locate(output.ManifestName), err)
	}
	o.manifest = data
	return o, nil
}

// readObject reads a whole object; the error wraps fs.ErrNotExist when it
// does not exist.
func readObject(ctx context.Context, s *archive.S3, key string) ([]byte, error) {
	rc, err := s.Open(ctx, key)
	if errors.Is(err, archive.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Locate(key), err)
	}
	return data, nil
}

// ReadFile reads name through the publication; manifest.json, which the
// publication does not list, is the top-level manifest read at open.
func (o *s3Outputs) ReadFile(ctx context.Context, name string) ([]byte, error) {
	if name == output.ManifestName {
		if o.manifest == nil {
			return nil, fmt.Errorf("%s: %w", o.Locate(name), fs.ErrNotExist)
		}
		return o.manifest, nil
	}
	var key string
	if o.pub != nil {
		key = o.pub.Files[name]
	}
	if key == "" {
		return nil, fmt.Errorf("%s is not published: %w", o.Locate(name), fs.ErrNotExist)
	}
	data, err := readObject(ctx, o.s, key)
	if errors.Is(err, fs.ErrNotExist) {
		// The manifest names an object that is gone (a lifecycle rule
		// expired it under a reader holding an old manifest, or someone
		// deleted it): that is damage, not a missing file.
		return nil, fmt.Errorf("%s is published as %s, which does not exist", o.Locate(name), o.s.Locate(key))
	}
	return data, err
}

func (o *s3Outputs) List(_ context.Context, dir string) ([]string, error) {
	var names []string
	if o.pub == nil {
		return nil, nil
	}
	for name := range o.pub.Files {
		if dir == "" || strings.HasPrefix(name, dir+"/") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

func (o *s3Outputs) Locate(name string) string { return o.s.Locate(name) }

// overlayOutputs reads from the first of its layers that publishes a name.
// Merge reads the shards' S3 outputs over the merged output this way: the
// shards hold the range's days, the output the days before it (for the
// previous window of trending topics).
type overlayOutputs []outputReader

func (ov overlayOutputs) ReadFile(ctx context.Context, name string) ([]byte, error) {
	for _, r := range ov[:len(ov)-1] {
		data, err := r.ReadFile(ctx, name)
		if !errors.Is(err, fs.ErrNotExist) {
			return data, err
		}
	}
	return ov[len(ov)-1].ReadFile(ctx, name)
}

func (ov overlayOutputs) List(ctx context.Context, dir string) ([]string, error) {
	var all []string
	for _, r := range ov {
		names, err := r.List(ctx, dir)
		if err != nil {
			return nil, err
		}
		all = append(all, names...)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

func (ov overlayOutputs) Locate(name string) string { return ov[len(ov)-1].Locate(name) }

// sideLocation returns where a file that lives beside the outputs but
// outside their publication (StateFile, FailureFile) is: a path, or the
// s3:// URL of an object below the output's prefix.
func sideLocation(out, name string) string {
	if pipelineIsS3(out) {
		return strings.TrimSuffix(out, "/") + "/" + name
	}
	return filepath.Join(localPath(out), filepath.FromSlash(name))
}

// readSide reads a whole file at a local path or s3:// URL; the error
// wraps fs.ErrNotExist when it does not exist.
func readSide(ctx context.Context, location string, opts archive.S3Options) ([]byte, error) {
	if !pipelineIsS3(location) {
		return os.ReadFile(localPath(location))
	}
	s, key, err := sideObject(ctx, location, opts)
	if err != nil {
		return nil, err
	}
	return readObject(ctx, s, key)
}

// writeSide replaces the file at a local path (written aside and renamed)
// or s3:// URL (one PUT) at once: a reader sees the old or the new bytes.
func writeSide(ctx context.Context, location string, opts archive.S3Options, data []byte) error {
	if !pipelineIsS3(location) {
		p := localPath(location)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return archive.WriteFileAtomic(p, data)
	}
	s, key, err := sideObject(ctx, location, opts)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, data)
}

// removeSide removes the file at a local path or s3:// URL, if there.
func removeSide(ctx context.Context, location string, opts archive.S3Options) error {
	if !pipelineIsS3(location) {
		err := os.Remove(localPath(location))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	s, key, err := sideObject(ctx, location, opts)
	if err != nil {
		return err
	}
	return s.Delete(ctx, key)
}

// sideObject splits an object's s3:// URL into a store for its bucket and
// its key.
func sideObject(ctx context.Context, location string, opts archive.S3Options) (*archive.S3, string, error) {
	bucket, key, err := archive.ParseS3URL(location)
	if err != nil {
		return nil, "", err
	}
	key = strings.TrimSuffix(key, "/")
	if key == "" || path.Clean(key) != key {
		return nil, "", fmt.Errorf("%s: want the URL of an object", location)
	}
	s, err := archive.NewS3(ctx, "s3://"+bucket, opts)
	if err != nil {
		return nil, "", err
	}
	return s, key, nil
}

// sideTimeout bounds the best-effort writes of the last failure, which may
// happen after the job's context has ended.
const sideTimeout = 30 * time.Second

// recordFailureAt notes a failed run beside the outputs, local or S3, best
// effort: the failure itself is what the caller reports.
func recordFailureAt(ctx context.Context, out string, opts archive.S3Options, command string, err error) {
	if out == "" || err == nil || errors.Is(err, context.Canceled) {
		return
	}
	data, _ := json.MarshalIndent(Failure{Command: command, At: time.Now().UTC().Format(time.RFC3339), Error: err.Error()}, "", "  ")
	data = append(data, '\n')
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
	defer cancel()
	_ = writeSide(ctx, sideLocation(out, FailureFile), opts, data)
}

// clearFailureAt removes the last failure beside the outputs, best effort.
func clearFailureAt(ctx context.Context, out string, opts archive.S3Options) {
	if out == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
	defer cancel()
	_ = removeSide(ctx, sideLocation(out, FailureFile), opts)
}

// shardOutputsDir holds, below an S3 output, one S3 output per shard:
// shards/<i>-of-<n>/. Shards of one run run at the same time, and an S3
// output takes one writer at a time (its commit rewrites the manifest from
// the one it read), so each shard publishes to its own prefix and Merge
// publishes their union into the output.
const shardOutputsDir = "shards"

// shardOutput returns where a shard run publishes: a local output folder
// takes every shard (their partitions are disjoint and each is published
// by its own renames), an S3 output gives each shard its own output below
// shards/. A location that already names the shard's own output is kept.
func shardOutput(out string, sh Shard) string {
	if sh.Count == 0 || !pipelineIsS3(out) {
		return out
	}
	own := "/" + sh.file(shardOutputsDir, "")
	if strings.HasSuffix(strings.TrimSuffix(out, "/"), own) {
		return out
	}
	return strings.TrimSuffix(out, "/") + own + "/"
}

// shardOutputs opens the shard outputs below an S3 output (shards/<i>-of-<n>/
// with a manifest), by shard, in the order of their names. It returns none
// for a local output.
func shardOutputs(ctx context.Context, out string, opts archive.S3Options) (map[Shard]*s3Outputs, []Shard, error) {
	if !pipelineIsS3(out) {
		return nil, nil, nil
	}
	s, err := archive.NewS3(ctx, out, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("outputs: %w", err)
	}
	byShard := map[Shard]*s3Outputs{}
	var order []Shard
	for info, err := range s.List(ctx, shardOutputsDir+"/") {
		if err != nil {
			return nil, nil, err
		}
		// shards/<i>-of-<n>/manifest.json; the runs/ below are not ours to read.
		parts := strings.Split(info.Key, "/")
		if len(parts) != 3 || parts[2] != output.ManifestName {
			continue
		}
		var sh Shard
		if _, err := fmt.Sscanf(parts[1], "%d-of-%d", &sh.Index, &sh.Count); err != nil || sh.Count == 0 || sh.Validate() != nil || sh.file("", "") != parts[1] {
			continue
		}
		r, err := openS3Outputs(ctx, shardOutput(out, sh), opts)
		if err != nil {
			return nil, nil, err
		}
		byShard[sh] = r
		order = append(order, sh)
	}
	slices.SortFunc(order, func(a, b Shard) int {
		return cmp.Compare(a.file("", ".json"), b.file("", ".json"))
	})
	return byShard, order, nil
}
