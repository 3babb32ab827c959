package generator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// MemStore is an in-memory archive.Source and archive.Putter, for tests
// that generate an archive and read it back without touching the disk. The
// zero value is ready to use; it is safe for concurrent use.
type MemStore struct {
	mu   sync.RWMutex
	objs map[string][]byte
}

var (
	_ archive.Source = (*MemStore)(nil)
	_ archive.Putter = (*MemStore)(nil)
)

// Put stores a copy of body under key.
func (s *MemStore) Put(ctx context.Context, key string, body []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" || strings.HasPrefix(key, "/") {
		return fmt.Errorf("invalid object key %q", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objs == nil {
		s.objs = make(map[string][]byte)
	}
	s.objs[key] = bytes.Clone(body)
	return nil
}

// List yields the objects whose keys start with prefix, in key order.
func (s *MemStore) List(ctx context.Context, prefix string) iter.Seq2[archive.ObjectInfo, error] {
	return func(yield func(archive.ObjectInfo, error) bool) {
		s.mu.RLock()
		var infos []archive.ObjectInfo
		for k, b := range s.objs {
			if strings.HasPrefix(k, prefix) {
				infos = append(infos, archive.ObjectInfo{Key: k, Size: int64(len(b))})
			}
		}
		s.mu.RUnlock()
		slices.SortFunc(infos, func(a, b archive.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
		for _, info := range infos {
			if err := ctx.Err(); err != nil {
				yield(archive.ObjectInfo{}, err)
				return
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Open returns the bytes stored under key.
func (s *MemStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	b, ok := s.objs[key]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("open %s: %w", key, archive.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Keys returns every stored key, sorted.
func (s *MemStore) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.objs))
	for k := range s.objs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Get returns the bytes stored under key; the caller must not modify them.
func (s *MemStore) Get(key string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.objs[key]
	return b, ok
}
