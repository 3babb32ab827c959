package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// The jobs that read outputs back (query, nightly, merge, status) do it
// through a Reader, so that they work on a local folder and on an S3
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
// ReadSide/WriteSide/RemoveSide, after the commit they describe.

// Reader reads the published files of an output location.
type Reader interface {
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

// OpenReader opens the outputs at loc: an S3 output, or a local folder,
// which must exist.
func OpenReader(ctx context.Context, loc archive.Location, opts archive.S3Options) (Reader, error) {
	if loc.IsS3() {
		return OpenS3Reader(ctx, loc, opts)
	}
	root, err := LocalRoot(loc)
	if err != nil {
		return nil, err
	}
	return localReader{root: root}, nil
}

// localReader reads an output folder.
type localReader struct{ root string }

func (l localReader) ReadFile(_ context.Context, name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("output file name %q is not a relative slash-separated path", name)
	}
	return os.ReadFile(l.Locate(name))
}

func (l localReader) Locate(name string) string {
	return filepath.Join(l.root, filepath.FromSlash(name))
}

// List walks dir, leaving out hidden folders: the staging folders of runs
// in progress are not published.
func (l localReader) List(_ context.Context, dir string) ([]string, error) {
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

// S3Reader reads an S3 output through the publication of its top-level
// manifest, read once at open.
type S3Reader struct {
	s        *archive.S3
	manifest []byte       // the top-level manifest; nil when nothing is published
	pub      *Publication // nil when nothing is published
}

// OpenS3Reader opens the S3 output at loc and reads its publication.
func OpenS3Reader(ctx context.Context, loc archive.Location, opts archive.S3Options) (*S3Reader, error) {
	s, err := archive.NewS3(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	o := &S3Reader{s: s}
	data, err := readObject(ctx, s, ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return o, nil // nothing published yet: an empty output
	}
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	if o.pub, err = ParsePublication(data); err != nil {
		return nil, fmt.Errorf("outputs: %s: %w", s.Locate(ManifestName), err)
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
func (o *S3Reader) ReadFile(ctx context.Context, name string) ([]byte, error) {
	if name == ManifestName {
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

func (o *S3Reader) List(_ context.Context, dir string) ([]string, error) {
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

func (o *S3Reader) Locate(name string) string { return o.s.Locate(name) }

// Overlay reads from the first of its layers that publishes a name.
// Merge reads the shards' S3 outputs over the merged output this way: the
// shards hold the range's days, the output the days before it (for the
// previous window of trending topics).
type Overlay []Reader

func (ov Overlay) ReadFile(ctx context.Context, name string) ([]byte, error) {
	for _, r := range ov[:len(ov)-1] {
		data, err := r.ReadFile(ctx, name)
		if !errors.Is(err, fs.ErrNotExist) {
			return data, err
		}
	}
	return ov[len(ov)-1].ReadFile(ctx, name)
}

func (ov Overlay) List(ctx context.Context, dir string) ([]string, error) {
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

func (ov Overlay) Locate(name string) string { return ov[len(ov)-1].Locate(name) }

// SideLocation returns where a file that lives beside the outputs but
// outside their publication (StateFile, FailureFile) is: a path below the
// output folder, or an object below the output's prefix.
func SideLocation(out archive.Location, name string) archive.Location {
	return out.Join(name)
}

// ReadSide reads a whole file at a local path or S3 object; the error
// wraps fs.ErrNotExist when it does not exist.
func ReadSide(ctx context.Context, loc archive.Location, opts archive.S3Options) ([]byte, error) {
	if !loc.IsS3() {
		return os.ReadFile(loc.Path())
	}
	s, key, err := archive.OpenObject(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	return readObject(ctx, s, key)
}

// WriteSide replaces the file at a local path (written aside and renamed)
// or S3 object (one PUT) at once: a reader sees the old or the new bytes.
func WriteSide(ctx context.Context, loc archive.Location, opts archive.S3Options, data []byte) error {
	if !loc.IsS3() {
		p := loc.Path()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return archive.WriteFileAtomic(p, data)
	}
	s, key, err := archive.OpenObject(ctx, loc, opts)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, data)
}

// RemoveSide removes the file at a local path or S3 object, if there.
func RemoveSide(ctx context.Context, loc archive.Location, opts archive.S3Options) error {
	if !loc.IsS3() {
		err := os.Remove(loc.Path())
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	s, key, err := archive.OpenObject(ctx, loc, opts)
	if err != nil {
		return err
	}
	return s.Delete(ctx, key)
}

// LocalRoot returns the folder of a local output location, which must
// exist.
func LocalRoot(out archive.Location) (string, error) {
	if out.IsS3() {
		return "", fmt.Errorf("%s: not a local output folder", out)
	}
	fi, err := os.Stat(out.Path())
	if err != nil {
		return "", fmt.Errorf("outputs: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("outputs %s: not a folder", out.Path())
	}
	return out.Path(), nil
}
