package deploy_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wiretap-hq/wiretap/internal/ingest"
)

// lambdaDir is where `make lambda` puts the bootstrap binary, relative to
// the repository root.
const lambdaDir = "build/lambda"

// pseudo are CloudFormation's pseudo parameters.
var pseudo = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true,
	"AWS::Partition": true, "AWS::Region": true, "AWS::StackId": true,
	"AWS::StackName": true, "AWS::URLSuffix": true,
}

// template is the parsed template: the node tree, and the names it declares.
type template struct {
	root       *yaml.Node
	params     map[string]*yaml.Node
	resources  map[string]*yaml.Node
	conditions map[string]*yaml.Node
}

func load(t *testing.T) *template {
	t.Helper()
	data, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("template.yaml does not parse: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatal("template.yaml is not a mapping")
	}
	tp := &template{root: doc.Content[0]}
	tp.params = entries(get(tp.root, "Parameters"))
	tp.resources = entries(get(tp.root, "Resources"))
	tp.conditions = entries(get(tp.root, "Conditions"))
	return tp
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// path follows keys from n.
func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

func entries(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if n == nil {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

// ref is one reference found in the template.
type ref struct {
	kind string // Ref, GetAtt, Sub, If, Condition
	name string
	line int
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// refs walks n and collects every reference, in short (!Ref) and long
// (Ref:, Fn::GetAtt:) form.
func refs(n *yaml.Node, out *[]ref) {
	if n == nil {
		return
	}
	add := func(kind, name string, line int) { *out = append(*out, ref{kind, name, line}) }
	subVars := func(s string, line int, locals map[string]bool) {
		for _, m := range subVar.FindAllStringSubmatch(s, -1) {
			name, _, _ := strings.Cut(m[1], ".")
			if !locals[name] {
				add("Sub", strings.TrimSpace(name), line)
			}
		}
	}
	sub := func(v *yaml.Node) {
		switch v.Kind {
		case yaml.ScalarNode:
			subVars(v.Value, v.Line, nil)
		case yaml.SequenceNode:
			if len(v.Content) == 2 {
				locals := map[string]bool{}
				for k := range entries(v.Content[1]) {
					locals[k] = true
				}
				subVars(v.Content[0].Value, v.Line, locals)
				refs(v.Content[1], out)
			}
		}
	}
	getAtt := func(v *yaml.Node) {
		switch v.Kind {
		case yaml.ScalarNode:
			res, _, _ := strings.Cut(v.Value, ".")
			add("GetAtt", res, v.Line)
		case yaml.SequenceNode:
			if len(v.Content) > 0 {
				add("GetAtt", v.Content[0].Value, v.Line)
			}
		}
	}
	switch n.Tag {
	case "!Ref":
		add("Ref", n.Value, n.Line)
		return
	case "!GetAtt":
		getAtt(n)
		return
	case "!Sub":
		sub(n)
		return
	case "!If":
		if n.Kind == yaml.SequenceNode && len(n.Content) == 3 {
			add("If", n.Content[0].Value, n.Line)
			refs(n.Content[1], out)
			refs(n.Content[2], out)
		}
		return
	case "!Condition":
		add("Condition", n.Value, n.Line)
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "Ref":
				if v.Kind == yaml.ScalarNode {
					add("Ref", v.Value, v.Line)
					continue
				}
			case "Fn::GetAtt":
				getAtt(v)
				continue
			case "Fn::Sub":
				sub(v)
				continue
			case "Condition":
				if v.Kind == yaml.ScalarNode {
					add("Condition", v.Value, v.Line)
					continue
				}
			}
			refs(v, out)
		}
		return
	}
	for _, c := range n.Content {
		refs(c, out)
	}
}

// problems lists the references of tp that name nothing, and the
// parameters and conditions nothing uses.
func problems(tp *template) (probs []string, nrefs int) {
	var all []ref
	refs(tp.root, &all)
	used := map[string]bool{}
	for _, r := range all {
		used[r.name] = true
		switch r.kind {
		case "Ref", "Sub":
			if tp.params[r.name] == nil && tp.resources[r.name] == nil && !pseudo[r.name] {
				probs = append(probs, fmt.Sprintf("line %d: %s %s names no parameter, resource or pseudo parameter", r.line, r.kind, r.name))
			}
		case "GetAtt":
			if tp.resources[r.name] == nil {
				probs = append(probs, fmt.Sprintf("line %d: GetAtt %s names no resource", r.line, r.name))
			}
		case "If", "Condition":
			if tp.conditions[r.name] == nil {
				probs = append(probs, fmt.Sprintf("line %d: %s %s names no condition", r.line, r.kind, r.name))
			}
		}
	}
	for _, names := range []map[string]*yaml.Node{tp.params, tp.conditions} {
		for name := range names {
			if !used[name] {
				probs = append(probs, fmt.Sprintf("%s is never used", name))
			}
		}
	}
	for name, res := range tp.resources {
		if get(res, "Type") == nil {
			probs = append(probs, fmt.Sprintf("resource %s has no Type", name))
		}
	}
	slices.Sort(probs)
	return probs, len(all)
}

func TestTemplateReferences(t *testing.T) {
	tp := load(t)
	if len(tp.params) == 0 || len(tp.resources) == 0 {
		t.Fatal("no Parameters or Resources")
	}
	probs, n := problems(tp)
	if n < 20 {
		t.Fatalf("found only %d references: is the walker broken?", n)
	}
	for _, p := range probs {
		t.Error(p)
	}
}

// TestReferenceCheckerCatchesMistakes makes sure the checker above is not
// vacuous: each kind of dangling reference, short and long form, is found.
func TestReferenceCheckerCatchesMistakes(t *testing.T) {
	const src = `
Parameters:
  P: {Type: String}
  Unused: {Type: String}
Conditions:
  C: !Equals [!Ref P, ""]
Resources:
  R:
    Type: AWS::S3::Bucket
    Condition: NoSuchCondition
    Properties:
      A: !Ref Missing1
      B: !GetAtt Missing2.Arn
      C: !Sub "arn:${AWS::Partition}:${Missing3}:${R.Arn}:${!Literal}:${Local}"
      D: !Sub ["${Local}-${Missing4}", {Local: !Ref Missing5}]
      E: !If [Missing6, !Ref P, !Ref AWS::NoValue]
      F: {"Fn::GetAtt": [Missing7, Arn]}
      G: {Ref: Missing8}
      H: {"Fn::Sub": "${Missing9}"}
  NoType: {Properties: {}}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	tp := &template{root: doc.Content[0]}
	tp.params = entries(get(tp.root, "Parameters"))
	tp.resources = entries(get(tp.root, "Resources"))
	tp.conditions = entries(get(tp.root, "Conditions"))
	probs, _ := problems(tp)
	text := strings.Join(probs, "\n")
	for _, want := range []string{"Missing1", "Missing2", "Missing3", "Missing4", "Missing5", "Missing6",
		"Missing7", "Missing8", "Missing9", "NoSuchCondition", "Unused is never used", "C is never used",
		"resource NoType has no Type", "Sub Local names no"} {
		if !strings.Contains(text, want) {
			t.Errorf("checker missed %q; it found:\n%s", want, text)
		}
	}
	for _, not := range []string{"Literal", "AWS::Partition", "R names"} {
		if strings.Contains(text, not) {
			t.Errorf("checker wrongly flagged %q:\n%s", not, text)
		}
	}
}

func TestTemplateFunction(t *testing.T) {
	tp := load(t)
	fn := tp.resources["IngestFunction"]
	if typ := get(fn, "Type"); typ == nil || typ.Value != "AWS::Serverless::Function" {
		t.Fatal("no AWS::Serverless::Function IngestFunction")
	}
	if tr := get(tp.root, "Transform"); tr == nil || tr.Value != "AWS::Serverless-2016-10-31" {
		t.Error("missing the SAM transform")
	}
	props := get(fn, "Properties")
	for key, want := range map[string]string{"Runtime": "provided.al2023", "Handler": "bootstrap"} {
		if v := get(props, key); v == nil || v.Value != want {
			t.Errorf("%s = %v, want %s", key, v, want)
		}
	}
	if arch := get(props, "Architectures"); arch == nil || len(arch.Content) != 1 || arch.Content[0].Value != "arm64" {
		t.Error("Architectures must be [arm64]")
	}
	// CodeUri is the `make lambda` output folder.
	code := get(props, "CodeUri")
	if code == nil {
		t.Fatal("no CodeUri")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Clean(filepath.Join(".", code.Value)); got != filepath.Join("..", lambdaDir) {
		t.Errorf("CodeUri %s is not ../%s", code.Value, lambdaDir)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "ingest", "main.go")); err != nil {
		t.Errorf("the function's source: %v", err)
	}
	// The environment is what cmd/ingest reads.
	env := entries(path(props, "Environment", "Variables"))
	for _, name := range []string{ingest.EnvStream, ingest.EnvSigningSecret, ingest.EnvSigningSecretParam,
		ingest.EnvVerificationToken, ingest.EnvTokenParam} {
		if env[name] == nil {
			t.Errorf("the function's environment lacks %s", name)
		}
	}
	if s := env[ingest.EnvStream]; s == nil || s.Tag != "!Ref" || s.Value != "DeliveryStream" {
		t.Errorf("%s must be !Ref DeliveryStream", ingest.EnvStream)
	}
	// The route Slack posts to.
	ev := path(props, "Events", "SlackEvents")
	if get(ev, "Type").Value != "HttpApi" || path(ev, "Properties", "Path").Value != ingest.EventsPath ||
		path(ev, "Properties", "Method").Value != "POST" {
		t.Errorf("the function's event is not an HttpApi POST %s", ingest.EventsPath)
	}
	// Slack waits 3 s; the function must be allowed longer than the put.
	if to := get(props, "Timeout"); to == nil {
		t.Error("no Timeout")
	} else if n, err := strconv.Atoi(to.Value); err != nil || n < 4 {
		t.Errorf("Timeout %s: want at least 4 s", to.Value)
	}
}

// TestTemplateMakefile checks that the Makefile's lambda target, once there,
// builds what CodeUri points at.
func TestTemplateMakefile(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Skip("no Makefile")
	}
	i := bytes.Index(mk, []byte("\nlambda:"))
	if i < 0 {
		t.Skip("the Makefile has no lambda target yet")
	}
	recipe := string(mk[i:])
	if j := strings.Index(recipe[1:], "\n\n"); j >= 0 {
		recipe = recipe[:j+1]
	}
	for _, want := range []string{lambdaDir + "/bootstrap", "GOARCH=arm64", "GOOS=linux", "./cmd/ingest"} {
		if !strings.Contains(recipe, want) {
			t.Errorf("the lambda target does not mention %s:\n%s", want, recipe)
		}
	}
}

func TestTemplateFirehose(t *testing.T) {
	tp := load(t)
	ds := tp.resources["DeliveryStream"]
	if get(ds, "Type").Value != "AWS::KinesisFirehose::DeliveryStream" {
		t.Fatal("no delivery stream")
	}
	s3 := path(ds, "Properties", "ExtendedS3DestinationConfiguration")
	if v := get(s3, "CompressionFormat"); v == nil || v.Value != "GZIP" {
		t.Error("CompressionFormat must be GZIP")
	}
	for _, key := range []string{"Prefix", "ErrorOutputPrefix", "BucketARN", "RoleARN"} {
		if get(s3, key) == nil {
			t.Errorf("no %s", key)
		}
	}
	hints := get(s3, "BufferingHints")
	if get(hints, "SizeInMBs") == nil || get(hints, "IntervalInSeconds") == nil {
		t.Error("no buffering hints")
	}
	if b := get(s3, "BucketARN"); b.Tag != "!GetAtt" || !strings.HasPrefix(b.Value, "ArchiveBucket.") {
		t.Error("the stream does not deliver to ArchiveBucket")
	}
	if get(tp.params["SlackSigningSecret"], "NoEcho").Value != "true" {
		t.Error("the signing secret parameter must be NoEcho")
	}
}

// TestTemplateLeastPrivilege checks every IAM statement: no "*" action or
// resource in an Allow, and the function may only put on its stream and
// read its parameters.
func TestTemplateLeastPrivilege(t *testing.T) {
	tp := load(t)
	var stmts []*yaml.Node
	var collect func(n *yaml.Node)
	collect = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			if s := get(n, "Statement"); s != nil && s.Kind == yaml.SequenceNode {
				for _, st := range s.Content {
					if st.Tag == "!If" && len(st.Content) == 3 {
						stmts = append(stmts, st.Content[1])
						continue
					}
					stmts = append(stmts, st)
				}
			}
		}
		for _, c := range n.Content {
			collect(c)
		}
	}
	collect(tp.root)
	if len(stmts) < 5 {
		t.Fatalf("found %d statements", len(stmts))
	}
	scalars := func(n *yaml.Node) []string {
		if n == nil {
			return nil
		}
		if n.Kind == yaml.ScalarNode {
			return []string{n.Value}
		}
		var s []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				s = append(s, c.Value)
			}
		}
		return s
	}
	for _, st := range stmts {
		if e := get(st, "Effect"); e == nil || e.Value != "Allow" {
			continue
		}
		for _, a := range scalars(get(st, "Action")) {
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("line %d: Allow of %s", st.Line, a)
			}
		}
		for _, r := range scalars(get(st, "Resource")) {
			if r == "*" {
				t.Errorf("line %d: Allow on every resource", st.Line)
			}
		}
	}
	var fnActions []string
	for _, p := range path(tp.resources["IngestFunction"], "Properties", "Policies").Content {
		for _, st := range get(p, "Statement").Content {
			if st.Tag == "!If" {
				st = st.Content[1]
			}
			fnActions = append(fnActions, scalars(get(st, "Action"))...)
		}
	}
	slices.Sort(fnActions)
	if got := fmt.Sprint(slices.Compact(fnActions)); got != "[firehose:PutRecordBatch ssm:GetParameter]" {
		t.Errorf("the function may %s", got)
	}
}

// TestTemplateSlashFunction checks the slash command's Lambda: deployed
// only with an output bucket, built by make lambda, and allowed to read
// the published summary.json and nothing else.
func TestTemplateSlashFunction(t *testing.T) {
	tp := load(t)
	fn := tp.resources["SlashFunction"]
	if fn == nil {
		t.Fatal("no SlashFunction")
	}
	if c := get(fn, "Condition"); c == nil || c.Value != "HasSlashCommand" || tp.conditions["HasSlashCommand"] == nil {
		t.Error("SlashFunction is not conditional on HasSlashCommand")
	}
	if code := path(fn, "Properties", "CodeUri"); code == nil || filepath.Clean(code.Value) != filepath.Join("..", "build", "slash") {
		t.Errorf("CodeUri is not ../build/slash/")
	}
	var actions, resources []string
	for _, p := range path(fn, "Properties", "Policies").Content {
		for _, st := range get(p, "Statement").Content {
			actions = append(actions, get(st, "Action").Value)
			resources = append(resources, get(st, "Resource").Value)
		}
	}
	if fmt.Sprint(actions) != "[s3:GetObject]" || len(resources) != 1 || !strings.HasSuffix(resources[0], "${OutputPrefix}summary.json") {
		t.Errorf("the slash function may %v on %v", actions, resources)
	}
	if p := path(fn, "Properties", "Events", "SlashCommand", "Properties", "Path"); p == nil || p.Value != "/slack/commands" {
		t.Error("the slash function is not at POST /slack/commands")
	}
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mk, []byte("-o build/slash/bootstrap ./cmd/slash")) {
		t.Error("make lambda does not build ./cmd/slash into build/slash/bootstrap")
	}
}
