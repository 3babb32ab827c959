package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func runScore(t *testing.T, stdin string, args ...string) (lines []map[string]any, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), io, append([]string{"score"}, args...)); code != ExitOK {
		t.Fatalf("score %v: exit %d, stderr %s", args, code, errb.String())
	}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines, errb.String()
}

func TestScore(t *testing.T) {
	in := "oh great, prod is down again :upside_down_face:\r\n" +
		"\n" +
		"please review <https://x.y|the notes> <@U123> thanks!" // no final newline
	lines, _ := runScore(t, in)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (one per input line)", len(lines))
	}
	first := lines[0]
	if first["text"] != "oh great, prod is down again :upside_down_face:" {
		t.Errorf("text %q: the CRLF should be stripped", first["text"])
	}
	for _, k := range []string{"compound", "pos", "neu", "neg", "sarcasm"} {
		if _, ok := first[k].(float64); !ok {
			t.Errorf("%s = %v, want a number", k, first[k])
		}
	}
	if first["sarcastic"] != true {
		t.Errorf("sarcastic = %v for an obviously sarcastic line", first["sarcastic"])
	}
	cues, _ := first["cues"].([]any)
	if !containsAny(cues, "irony_emoji") || !containsAny(cues, "interjection") {
		t.Errorf("cues %v, want irony_emoji and interjection", cues)
	}
	toks, _ := first["tokens"].([]any)
	if len(toks) != 8 {
		t.Fatalf("%d tokens: %v", len(toks), toks)
	}
	if got, want := toks[7], map[string]any{"kind": "emoji", "text": "upside_down_face"}; !reflect.DeepEqual(got, want) {
		t.Errorf("token 8 = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(first["emoji"], []any{"upside_down_face"}) || !reflect.DeepEqual(first["topics"], []any{"great", "prod"}) {
		t.Errorf("emoji %v, topics %v", first["emoji"], first["topics"])
	}
	if !reflect.DeepEqual(first["noun_phrases"], []any{"prod"}) {
		t.Errorf("noun_phrases %v, want [prod]", first["noun_phrases"])
	}

	empty := lines[1]
	if empty["text"] != "" || empty["sarcasm"] != 0.0 || empty["sarcastic"] != false {
		t.Errorf("empty line: %v", empty)
	}
	for _, k := range []string{"cues", "topics", "noun_phrases", "mentions", "emoji"} {
		if v, ok := empty[k].([]any); !ok || len(v) != 0 {
			t.Errorf("empty line: %s = %#v, want []", k, empty[k])
		}
	}

	last := lines[2]
	if !reflect.DeepEqual(last["mentions"], []any{"U123"}) {
		t.Errorf("mentions %v", last["mentions"])
	}
	if c, _ := last["cues"].([]any); !containsAny(c, "link") || !containsAny(c, "sincere") || last["sarcastic"] != false {
		t.Errorf("sincere line: cues %v, sarcastic %v", c, last["sarcastic"])
	}
	if np, ok := last["noun_phrases"].([]any); !ok || containsAny(np, "note") || containsAny(np, "the notes") {
		t.Errorf("noun_phrases %#v: want an array without the link label", last["noun_phrases"])
	}
}

// TestScoreNounPhrases checks the noun_phrases field on Slack markup: the
// phrases come from the words around the markup, never from inside it.
func TestScoreNounPhrases(t *testing.T) {
	lines, _ := runScore(t, "<!here> our database <@U1|bob> server needs a faster build server :tada: `the code`", "--tokens=false")
	got, ok := lines[0]["noun_phrases"].([]any)
	if !ok {
		t.Fatalf("noun_phrases %#v, want an array", lines[0]["noun_phrases"])
	}
	want := []any{"database", "server", "faster build server"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("noun_phrases %q, want %q", got, want)
	}
}

func TestScoreFileLongLineNoTokens(t *testing.T) {
	long := strings.Repeat("sooo ", 40000) + "great" // 200 KB, past bufio.Scanner's 64 KiB default
	path := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(path, []byte(long+"\nok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, _ := runScore(t, "ignored", "--file", path, "--tokens=false")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	if lines[0]["text"] != long {
		t.Errorf("long line mangled (%d bytes)", len(lines[0]["text"].(string)))
	}
	if _, ok := lines[0]["tokens"]; ok {
		t.Errorf("tokens present with --tokens=false")
	}
	if c, _ := lines[0]["cues"].([]any); !containsAny(c, "elongation") {
		t.Errorf("cues %v", c)
	}
}

func TestScoreUsage(t *testing.T) {
	var out, errb bytes.Buffer
	io := &IO{In: strings.NewReader(""), Out: &out, Err: &errb}
	if code := Main(context.Background(), io, []string{"score", "extra"}); code != ExitUsage {
		t.Errorf("stray argument: exit %d, want %d", code, ExitUsage)
	}
	if code := Main(context.Background(), io, []string{"score", "--file", filepath.Join(t.TempDir(), "missing")}); code != ExitError {
		t.Errorf("missing file: exit %d, want %d", code, ExitError)
	}
	errb.Reset()
	if code := Main(context.Background(), io, []string{"score", "--help"}); code != ExitOK || !strings.Contains(errb.String(), "wiretap score") {
		t.Errorf("--help: exit %d, %s", code, errb.String())
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
