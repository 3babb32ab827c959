package sarcasmdata

import (
	"reflect"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		texts  []string
		labels []bool
		err    bool
	}{
		{"train layout", "idx,tweet,sarcastic,rephrase\n0,\"oh great\nanother one\",1,x\n1,nice work,0,\n2,unlabelled,,\n",
			[]string{"oh great\nanother one", "nice work"}, []bool{true, false}, false},
		{"test layout", "text,sarcastic\nyeah right,1\n", []string{"yeah right"}, []bool{true}, false},
		{"short row skipped", "tweet,sarcastic\nonly\nok,0\n", []string{"ok"}, []bool{false}, false},
		{"no label column", "tweet,label\nx,1\n", nil, nil, true},
		{"no rows", "tweet,sarcastic\n", nil, nil, true},
		{"empty", "", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			texts, labels, err := Read(strings.NewReader(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if !reflect.DeepEqual(texts, tt.texts) || !reflect.DeepEqual(labels, tt.labels) {
				t.Errorf("got %q %v\nwant %q %v", texts, labels, tt.texts, tt.labels)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add("tweet,sarcastic\n\"a\nb\",1\n")
	f.Add("text,sarcastic\n\"unterminated,0\n")
	f.Fuzz(func(t *testing.T, in string) {
		texts, labels, err := Read(strings.NewReader(in))
		if err == nil && (len(texts) == 0 || len(texts) != len(labels)) {
			t.Fatalf("%d texts, %d labels, no error", len(texts), len(labels))
		}
	})
}
