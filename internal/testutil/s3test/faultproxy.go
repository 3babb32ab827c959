package s3test

import (
	"bytes"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
)

// FaultProxy is a TCP proxy on 127.0.0.1 in front of the S3 server. On the
// first connection it forwards the response headers and cutAfter body
// bytes, then misbehaves as mode says; later connections pass untouched.
// It records the head of every request so tests can check the resume.
type FaultProxy struct {
	ln       net.Listener
	target   string
	cutAfter int
	mode     string // "fin": close cleanly; "reset": RST; "stall": go silent

	mu       sync.Mutex
	conns    int
	requests []string
	done     chan struct{}
	wg       sync.WaitGroup
}

// NewFaultProxy starts a proxy to endpoint that cuts the first
// connection after cutAfter body bytes: "fin" closes it cleanly, "reset"
// resets it, "stall" goes silent until the test ends. It stops when the
// test ends.
func NewFaultProxy(t testing.TB, endpoint string, cutAfter int, mode string) *FaultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &FaultProxy{ln: ln, target: strings.TrimPrefix(endpoint, "http://"), cutAfter: cutAfter, mode: mode, done: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.wg.Wait()
	})
	return p
}

// URL is the proxy's endpoint, "http://127.0.0.1:PORT".
func (p *FaultProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *FaultProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		first := p.conns == 0
		p.conns++
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c.(*net.TCPConn), first)
		}()
	}
}

func (p *FaultProxy) handle(client *net.TCPConn, first bool) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		// Closing both ends on shutdown unblocks the copies.
		<-p.done
		client.Close()
		server.Close()
	}()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				p.mu.Lock()
				if head, _, ok := bytes.Cut(buf[:n], []byte("\r\n\r\n")); ok && bytes.Contains(head, []byte(" HTTP/1.1\r\n")) {
					p.requests = append(p.requests, string(head))
				}
				p.mu.Unlock()
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				server.(*net.TCPConn).CloseWrite()
				return
			}
		}
	}()
	if !first {
		io.Copy(client, server)
		return
	}
	// First connection: hold the response head until it is complete, then
	// let cutAfter body bytes through.
	var pending []byte
	inBody, sent := false, 0
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		data := buf[:n]
		if !inBody {
			pending = append(pending, data...)
			i := bytes.Index(pending, []byte("\r\n\r\n"))
			if i < 0 {
				if err != nil {
					return
				}
				continue
			}
			inBody = true
			if _, err := client.Write(pending[:i+4]); err != nil {
				return
			}
			data = pending[i+4:]
		}
		if allow := min(len(data), p.cutAfter-sent); allow > 0 {
			if _, err := client.Write(data[:allow]); err != nil {
				return
			}
			sent += allow
		}
		if sent >= p.cutAfter {
			break
		}
		if err != nil {
			return
		}
	}
	switch p.mode {
	case "reset":
		client.SetLinger(0) // Close sends RST: "connection reset by peer"
	case "stall":
		<-p.done
	}
}

// Stats returns how many connections the proxy accepted and the head of
// every request it forwarded.
func (p *FaultProxy) Stats() (conns int, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns, slices.Clone(p.requests)
}
