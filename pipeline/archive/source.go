package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key  string // slash-separated, relative to the store's root
	Size int64
	ETag string // content fingerprint where the store has one
}

// A Source is an archive of objects: a local folder or an S3 prefix.
//
// List yields the objects whose keys start with prefix, in ascending key
// order, and stops at the first error, which it yields with a zero
// ObjectInfo. Open returns an object's bytes; it returns an error wrapping
// ErrNotExist when the key is gone. Both are safe for concurrent use.
type Source interface {
	List(ctx context.Context, prefix string) iter.Seq2[ObjectInfo, error]
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// A Putter stores whole objects. Archive writers (the generator, the local
// ingest server, backfill) use it; Put replaces any object at key.
type Putter interface {
	Put(ctx context.Context, key string, body []byte) error
}

// ErrNotExist is wrapped by Open when the object does not exist (any more).
var ErrNotExist = errors.New("object does not exist")

// Dir is a Source and Putter over a local folder: keys are slash-separated
// paths below Root.
type Dir struct {
	Root string
}

var (
	_ Source = Dir{}
	_ Putter = Dir{}
)

func (d Dir) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || !fs.ValidPath(key) {
		return "", fmt.Errorf("invalid object key %q", key)
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// List walks the folder below prefix. Only the directory that prefix names
// (up to its last slash) is walked, so listing an hour reads one folder.
func (d Dir) List(ctx context.Context, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		base := prefix[:strings.LastIndex(prefix, "/")+1]
		root := filepath.Join(d.Root, filepath.FromSlash(base))
		var infos []ObjectInfo
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(d.Root, p)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			if e.IsDir() {
				// Skip sibling folders that cannot hold keys with this prefix.
				if p != root && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
					return filepath.SkipDir
				}
				return nil
			}
			if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
				return nil
			}
			info, err := e.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			// A folder has no ETag; modification time and size stand in for
			// one, so that nightly runs see a rewritten file as changed.
			etag := fmt.Sprintf("%x-%x", info.ModTime().UnixNano(), info.Size())
			infos = append(infos, ObjectInfo{Key: key, Size: info.Size(), ETag: etag})
			return nil
		})
		if err != nil {
			yield(ObjectInfo{}, fmt.Errorf("list %s: %w", filepath.Join(d.Root, filepath.FromSlash(prefix)), err))
			return
		}
		// WalkDir's lexical order is per path element; S3 orders whole keys.
		sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
		for _, info := range infos {
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Open opens the file for key.
func (d Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", p, ErrNotExist)
	}
	return f, err
}

// Put writes body to key through a temporary file and a rename, so a reader
// never sees half an object.
func (d Dir) Put(ctx context.Context, key string, body []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return WriteFileAtomic(p, body)
}

// WriteFileAtomic writes data to a temporary file beside path and renames it
// into place.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Locate returns the file path of key, for messages.
func (d Dir) Locate(key string) string {
	return filepath.Join(d.Root, filepath.FromSlash(key))
}
