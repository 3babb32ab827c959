package slashcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/internal/slackverify"
	"github.com/wiretap-hq/wiretap/privacy"
)

// Source answers from published figures.
type Source interface {
	// Glance is the summary of the last week (or of what the source
	// publishes), narrowed to office when it is not "".
	Glance(ctx context.Context, office string) (*Summary, error)
	// Person is one person's figures over the same range, nil when they
	// wrote nothing or are not known.
	Person(ctx context.Context, userID string) (*Person, Range, error)
}

// DefaultAckAfter is how long the handler waits for an answer before it
// acknowledges and posts the answer to response_url: well inside Slack's
// three seconds.
const DefaultAckAfter = 2 * time.Second

// maxBody bounds a slash command's form body; Slack's are a few hundred
// bytes.
const maxBody = 64 << 10

// Handler serves POST /slack/commands.
type Handler struct {
	Secret     string // the Slack app's signing secret
	Source     Source
	RankPeople bool
	// PseudonymKey, when the published figures carry pseudonyms
	// (--pseudonymize), is their key: /wiretap me looks the caller up by
	// the pseudonym of the user id Slack signed, and nobody else's.
	PseudonymKey []byte
	Logger       *slog.Logger
	// Client posts late answers to response_url.
	Client *http.Client
	// AckAfter is how long to wait before acknowledging; zero means
	// DefaultAckAfter, negative acknowledges at once (for a source known
	// to be slow, and for tests of the late path).
	AckAfter time.Duration
	// Now is the verification clock; nil means time.Now.
	Now func() time.Time
	// AllowResponseURL says where late answers may be posted; nil allows
	// https URLs on slack.com only, so a forged form cannot make the
	// server post elsewhere (the form is signed, but defence in depth).
	AllowResponseURL func(*url.URL) bool
	// Timeout bounds an answer in the background; zero means 25 s (a
	// response_url stays valid for 30 minutes, a user's patience not).
	Timeout time.Duration
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Handler) allowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return false
	}
	if h.AllowResponseURL != nil {
		return h.AllowResponseURL(u)
	}
	return u.Scheme == "https" && (u.Hostname() == "slack.com" || strings.HasSuffix(u.Hostname(), ".slack.com"))
}

// ServeHTTP verifies, parses and answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	v := slackverify.NewVerifier(h.Secret, "")
	v.Now = h.Now
	if err := v.VerifySignature(r.Header, body); err != nil {
		h.log().Warn("slash: rejected", "reason", err.Error())
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	req, err := ParseRequest(body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	cmd := Parse(req.Text)
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 25 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	done := make(chan Message, 1)
	go func() {
		defer cancel()
		done <- h.Answer(ctx, req, cmd)
	}()
	wait := h.AckAfter
	if wait <= 0 {
		wait = DefaultAckAfter
	}
	if h.AckAfter >= 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case m := <-done:
			writeMessage(w, m)
			h.log().Info("slash: answered", "kind", cmd.Kind, "late", false)
			return
		case <-timer.C:
		}
	}
	if !h.allowed(req.ResponseURL) {
		// Nowhere to post later: wait for the answer (Slack may show a
		// timeout, but the user learns something).
		m := <-done
		writeMessage(w, m)
		return
	}
	writeMessage(w, Message{ResponseType: "ephemeral", Text: "Working on it: the figures are being read, the answer follows in a moment."})
	go func() {
		m := <-done
		m.ReplaceOriginal = true
		if err := h.post(req.ResponseURL, m); err != nil {
			h.log().Error("slash: post to response_url failed", "err", err.Error())
			return
		}
		h.log().Info("slash: answered", "kind", cmd.Kind, "late", true)
	}()
}

// Answer computes the answer to a command; errors become a polite message.
func (h *Handler) Answer(ctx context.Context, req Request, cmd Command) Message {
	m, err := h.answer(ctx, req, cmd)
	if err != nil {
		h.log().Error("slash: answer failed", "kind", cmd.Kind, "err", err.Error())
		return Message{ResponseType: "ephemeral", Text: "Sorry, Wiretap could not read its figures just now. Try again in a minute."}
	}
	return m
}

func (h *Handler) answer(ctx context.Context, req Request, cmd Command) (Message, error) {
	switch cmd.Kind {
	case KindGlance:
		s, err := h.Source.Glance(ctx, "")
		if err != nil {
			return Message{}, err
		}
		return Glance(cmd, s, h.RankPeople), nil
	case KindOffice:
		s, err := h.Source.Glance(ctx, cmd.Arg)
		if errors.Is(err, ErrNoSuchOffice) {
			all, err := h.Source.Glance(ctx, "")
			if err != nil {
				return Message{}, err
			}
			return OfficeWeek(cmd, all), nil
		}
		if err != nil {
			return Message{}, err
		}
		return OfficeWeek(cmd, s), nil
	case KindTopic:
		s, err := h.Source.Glance(ctx, "")
		if err != nil {
			return Message{}, err
		}
		return TopicAnswer(cmd, s), nil
	case KindMe:
		id := req.UserID
		if h.PseudonymKey != nil {
			ps, err := privacy.NewPseudonymizer(h.PseudonymKey)
			if err != nil {
				return Message{}, err
			}
			id = ps.ID(id)
		}
		p, r, err := h.Source.Person(ctx, id)
		if err != nil {
			return Message{}, err
		}
		return Me(p, r), nil
	}
	return Help(cmd), nil
}

// ErrNoSuchOffice is what a Source returns for an office with no messages.
var ErrNoSuchOffice = errors.New("no such office in the range")

func writeMessage(w http.ResponseWriter, m Message) {
	data, err := json.Marshal(m)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (h *Handler) post(to string, m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post the answer: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post the answer: response_url answered %s", resp.Status)
	}
	return nil
}
