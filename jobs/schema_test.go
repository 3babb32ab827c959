package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// The JSON Schemas of the run's outputs, relative to this package.
const (
	summarySchemaFile  = "../docs/summary.schema.json"
	manifestSchemaFile = "../docs/manifest.schema.json"
)

// readJSON decodes a JSON document the way the validator expects it: numbers
// as json.Number, so that integers stay integers.
func readJSON(t *testing.T, data []byte) any {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// compileSchema compiles a schema file against the draft 2020-12
// meta-schema, with formats (date-time, date) asserted.
func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc := readJSON(t, data)
	id, _ := doc.(map[string]any)["$id"].(string)
	if id == "" {
		t.Fatalf("%s: no $id", file)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return sch
}

// schemaArchive generates a small archive, with the default noise, and its
// roster.
func schemaArchive(t *testing.T) (dir, roster string, facts *generator.Facts) {
	t.Helper()
	cfg := generator.DefaultConfig()
	cfg.Messages = 3_000
	cfg.Days = 2
	cfg.Users = 20
	cfg.Seed = 11
	dir = t.TempDir()
	facts, err := generator.Generate(context.Background(), cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	roster = filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, roster, facts
}

// schemaRun runs the analysis and returns summary.json and manifest.json as
// written.
func schemaRun(t *testing.T, opts jobs.RunOptions) (summary, manifest []byte) {
	t.Helper()
	opts.Out = loctest.Parse(t, t.TempDir())
	opts.Workers = 2
	opts.MaxBadRatio = jobs.DefaultMaxBadRatio
	if _, err := jobs.Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	summary, err := os.ReadFile(filepath.Join(opts.Out.String(), "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err = os.ReadFile(filepath.Join(opts.Out.String(), output.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	return summary, manifest
}

// TestSchemaRunOutputs validates the files a run writes against their
// schemas: with a roster, without one (every user unassigned, no roster in
// the manifest), with small groups suppressed, and over a range with no
// messages at all.
func TestSchemaRunOutputs(t *testing.T) {
	summarySchema := compileSchema(t, summarySchemaFile)
	manifestSchema := compileSchema(t, manifestSchemaFile)
	dir, roster, facts := schemaArchive(t)
	for _, tc := range []struct {
		name     string
		roster   string
		from     time.Time
		to       time.Time
		minGroup int
	}{
		{"roster", roster, facts.Start, facts.End, 0},
		{"no-roster", "", facts.Start, facts.End, 0},
		{"min-group", roster, facts.Start, facts.End, jobs.DefaultMinGroup},
		{"empty-range", roster, facts.End.AddDate(1, 0, 0), facts.End.AddDate(1, 0, 1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			summary, manifest := schemaRun(t, jobs.RunOptions{Source: loctest.Parse(t, dir), Roster: loctest.Parse(t, tc.roster), From: tc.from, To: tc.to, MinGroup: tc.minGroup})
			if tc.minGroup > 0 && !bytes.Contains(summary, []byte(`"suppressed": true`)) {
				t.Error("the min-group case suppresses nothing: it validates nothing new")
			}
			if err := summarySchema.Validate(readJSON(t, summary)); err != nil {
				t.Errorf("summary.json does not match %s:\n%v", summarySchemaFile, err)
			}
			if err := manifestSchema.Validate(readJSON(t, manifest)); err != nil {
				t.Errorf("manifest.json does not match %s:\n%v", manifestSchemaFile, err)
			}
		})
	}
}

// TestSchemaRejects checks that the schemas have teeth: a valid summary or
// manifest, mutated in one place, fails validation at that place.
func TestSchemaRejects(t *testing.T) {
	summarySchema := compileSchema(t, summarySchemaFile)
	manifestSchema := compileSchema(t, manifestSchemaFile)
	dir, roster, facts := schemaArchive(t)
	summary, manifest := schemaRun(t, jobs.RunOptions{Source: loctest.Parse(t, dir), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End})

	type mutation struct {
		name   string
		where  string // instance location the error must name
		mutate func(doc map[string]any)
	}
	offices := slices.Sorted(maps.Keys(obj(readJSON(t, summary), "activity_by_hour_of_week")))
	if len(offices) == 0 {
		t.Fatal("summary has no activity_by_hour_of_week")
	}
	office := offices[0]
	check := func(file string, sch *jsonschema.Schema, data []byte, muts []mutation) {
		if err := sch.Validate(readJSON(t, data)); err != nil {
			t.Fatalf("unmutated %s is invalid: %v", file, err)
		}
		for _, m := range muts {
			t.Run(file+"/"+m.name, func(t *testing.T) {
				doc := readJSON(t, data).(map[string]any)
				m.mutate(doc)
				err := sch.Validate(doc)
				var verr *jsonschema.ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("mutated document validates (err %v)", err)
				}
				if !strings.Contains(err.Error(), "'"+m.where+"'") {
					t.Errorf("error does not name %s:\n%v", m.where, err)
				}
			})
		}
	}

	check("summary", summarySchema, summary, []mutation{
		{"mean-out-of-range", "/totals/sentiment/mean", func(d map[string]any) {
			obj(d, "totals", "sentiment")["mean"] = 2
		}},
		{"negative-ci95", "/offices/0/sentiment/ci95", func(d map[string]any) {
			obj(arr(d, "offices")[0].(map[string]any), "sentiment")["ci95"] = -0.1
		}},
		{"missing-required", "/totals", func(d map[string]any) {
			delete(obj(d, "totals"), "messages")
		}},
		{"missing-array", "", func(d map[string]any) {
			delete(d, "top_topics")
		}},
		{"extra-field", "", func(d map[string]any) {
			d["generated_at"] = "2026-01-01T00:00:00Z"
		}},
		{"extra-nested-field", "/top_users/0", func(d map[string]any) {
			arr(d, "top_users")[0].(map[string]any)["email"] = "x@example.com"
		}},
		{"activity-167-hours", "/activity_by_hour_of_week/" + office, func(d map[string]any) {
			h := obj(d, "activity_by_hour_of_week")
			h[office] = h[office].([]any)[:167]
		}},
		{"negative-count", "/offices/0/messages", func(d map[string]any) {
			arr(d, "offices")[0].(map[string]any)["messages"] = -1
		}},
		{"fractional-count", "/totals/words", func(d map[string]any) {
			obj(d, "totals")["words"] = 1.5
		}},
		{"wrong-version", "/schema", func(d map[string]any) {
			d["schema"] = "wiretap.summary/v1"
		}},
		{"negative-answered", "/threads/totals/answered", func(d map[string]any) {
			obj(obj(d, "threads"), "totals")["answered"] = -1
		}},
		{"unanswered-without-ts", "/unanswered/questions/0", func(d map[string]any) {
			obj(d, "unanswered")["questions"] = []any{map[string]any{"team_id": "T1", "office": "berlin", "channel": "C1", "late_replies": 0}}
		}},
		{"non-utc-from", "/range/from", func(d map[string]any) {
			obj(d, "range")["from"] = "2016-11-14T01:00:00+01:00"
		}},
		{"too-many-top-users", "/top_users", func(d map[string]any) {
			users := arr(d, "top_users")
			for len(users) <= jobs.TopN {
				users = append(users, users[0])
			}
			d["top_users"] = users
		}},
	})
	check("manifest", manifestSchema, manifest, []mutation{
		{"negative-count", "/counts/records_read", func(d map[string]any) {
			obj(d, "counts")["records_read"] = -1
		}},
		{"missing-count", "/counts", func(d map[string]any) {
			delete(obj(d, "counts"), "duplicates")
		}},
		{"extra-count", "/counts", func(d map[string]any) {
			obj(d, "counts")["retries"] = 0
		}},
		{"missing-started-at", "", func(d map[string]any) {
			delete(d, "started_at")
		}},
		{"bad-partition", "/partitions/0", func(d map[string]any) {
			arr(d, "partitions")[0] = "2016-13-01"
		}},
		{"zero-margin", "/margin_hours", func(d map[string]any) {
			d["margin_hours"] = 0
		}},
		{"wrong-version", "/schema", func(d map[string]any) {
			d["schema"] = "wiretap.manifest/v2"
		}},
	})
}

// obj walks down objects by key.
func obj(v any, keys ...string) map[string]any {
	m := v.(map[string]any)
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// arr is the array at key.
func arr(m map[string]any, key string) []any { return m[key].([]any) }

// TestSchemaCoversStructs keeps the schemas and the Go types in step: every
// JSON field of jobs.Summary and jobs.Manifest (pipeline.Counts included),
// however deeply nested, must be a property of the matching schema object,
// required unless omitempty, of a compatible type; every schema property must
// be a field; every object is closed; every property is described.
func TestSchemaCoversStructs(t *testing.T) {
	for _, tc := range []struct {
		file, version string
		typ           reflect.Type
	}{
		{summarySchemaFile, jobs.SummarySchema, reflect.TypeFor[jobs.Summary]()},
		{manifestSchemaFile, jobs.ManifestSchema, reflect.TypeFor[jobs.Manifest]()},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			root := readJSON(t, data).(map[string]any)
			w := &schemaWalker{t: t, root: root}
			w.structType(tc.typ, root, "")
			w.described(root, "")

			props := obj(root, "properties")
			if got := obj(props, "schema")["const"]; got != tc.version {
				t.Errorf("schema const is %v, Go writes %q", got, tc.version)
			}
			// wiretap.summary/v1 -> .../summary/v1.json
			if id, want := root["$id"], "https://wiretap.dev/schemas/"+strings.TrimPrefix(tc.version, "wiretap.")+".json"; id != want {
				t.Errorf("$id is %v, want %s", id, want)
			}
			if tc.typ == reflect.TypeFor[jobs.Summary]() {
				for key, want := range map[string]int{
					"top_users": jobs.TopN, "most_mentioned": jobs.TopN, "top_channels": jobs.TopN, "top_topics": 2 * jobs.TopN,
				} {
					if got := fmt.Sprint(obj(props, key)["maxItems"]); got != fmt.Sprint(want) {
						t.Errorf("%s: maxItems %s, the code keeps %d", key, got, want)
					}
				}
			}
		})
	}
}

type schemaWalker struct {
	t    *testing.T
	root map[string]any
}

// resolve follows a local $ref ("#/$defs/name").
func (w *schemaWalker) resolve(node map[string]any, at string) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			w.t.Fatalf("%s: unsupported $ref %q", at, ref)
		}
		def, ok := obj(w.root, "$defs")[name].(map[string]any)
		if !ok {
			w.t.Fatalf("%s: $ref %q: no such definition", at, ref)
		}
		node = def
	}
}

// jsonFields lists the JSON fields of a struct type as encoding/json sees
// them, flattening embedded structs.
func jsonFields(typ reflect.Type) (fields []reflect.StructField, names []string, omitempty []bool) {
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			ef, en, eo := jsonFields(f.Type)
			fields, names, omitempty = append(fields, ef...), append(names, en...), append(omitempty, eo...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, f)
		names = append(names, name)
		omitempty = append(omitempty, slices.Contains(strings.Split(opts, ","), "omitempty"))
	}
	return fields, names, omitempty
}

func (w *schemaWalker) structType(typ reflect.Type, node map[string]any, at string) {
	t := w.t
	node = w.resolve(node, at)
	if node["additionalProperties"] != false {
		t.Errorf("%s (%s): additionalProperties is not false", at, typ)
	}
	props, _ := node["properties"].(map[string]any)
	var required []string
	for _, r := range asSlice(node["required"]) {
		required = append(required, r.(string))
	}
	fields, names, omitempty := jsonFields(typ)
	for i, f := range fields {
		name, path := names[i], at+"/"+names[i]
		prop, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s: field %s.%s is not in the schema", path, typ, f.Name)
			continue
		}
		if req := slices.Contains(required, name); req == omitempty[i] {
			t.Errorf("%s: required is %v, but omitempty is %v", path, req, omitempty[i])
		}
		w.value(f.Type, prop, path)
	}
	for name := range props {
		if !slices.Contains(names, name) {
			t.Errorf("%s/%s: property has no field in %s", at, name, typ)
		}
	}
	for _, name := range required {
		if _, ok := props[name]; !ok {
			t.Errorf("%s: required %q is not a property", at, name)
		}
	}
}

// value checks that the schema node admits values of typ, and descends.
func (w *schemaWalker) value(typ reflect.Type, node map[string]any, at string) {
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	resolved := w.resolve(node, at)
	var want string
	switch typ.Kind() {
	case reflect.String:
		want = "string"
	case reflect.Bool:
		want = "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "integer"
	case reflect.Float32, reflect.Float64:
		want = "number"
	case reflect.Slice, reflect.Array:
		want = "array"
	case reflect.Map, reflect.Struct:
		want = "object"
	default:
		w.t.Errorf("%s: unexpected Go kind %s", at, typ.Kind())
		return
	}
	if types := asSlice(resolved["type"]); types != nil {
		if !slices.Contains(types, any(want)) {
			w.t.Errorf("%s: schema type %v, Go type %s is %s", at, resolved["type"], typ, want)
		}
	} else if _, ok := resolved["const"]; !ok && resolved["enum"] == nil {
		w.t.Errorf("%s: no type, const or enum", at)
	}
	switch typ.Kind() {
	case reflect.Struct:
		w.structType(typ, resolved, at)
	case reflect.Slice, reflect.Array:
		items, ok := resolved["items"].(map[string]any)
		if !ok {
			w.t.Errorf("%s: array without items", at)
			return
		}
		w.value(typ.Elem(), items, at+"/*")
	case reflect.Map:
		if typ.Key().Kind() != reflect.String {
			w.t.Errorf("%s: map key %s is not a string", at, typ.Key())
		}
		values, ok := resolved["additionalProperties"].(map[string]any)
		if !ok {
			w.t.Errorf("%s: map without an additionalProperties schema", at)
			return
		}
		w.value(typ.Elem(), values, at+"/*")
	}
}

// described checks that every property, and every definition, has a
// description.
func (w *schemaWalker) described(node map[string]any, at string) {
	for _, key := range []string{"properties", "$defs"} {
		children, _ := node[key].(map[string]any)
		for name, child := range children {
			c := child.(map[string]any)
			if d, _ := c["description"].(string); strings.TrimSpace(d) == "" {
				w.t.Errorf("%s/%s/%s: no description", at, key, name)
			}
		}
	}
	for key, child := range node {
		switch c := child.(type) {
		case map[string]any:
			w.described(c, at+"/"+key)
		case []any:
			for i, e := range c {
				if m, ok := e.(map[string]any); ok {
					w.described(m, fmt.Sprintf("%s/%s/%d", at, key, i))
				}
			}
		}
	}
}

// asSlice turns a JSON Schema keyword that may be a string or an array of
// them ("type", "required") into a slice.
func asSlice(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}
