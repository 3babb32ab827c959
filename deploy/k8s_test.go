package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/cli"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// The sharded deployments: deploy/k8s (an Indexed Job and a merge Job on a
// shared claim) and deploy/batch (an AWS Batch array job and a dependent
// merge job on EFS). These tests check that the pieces agree with each
// other, that `kubectl kustomize` keeps them agreeing when the shard count
// changes, and that the command lines they hold run and merge.

const (
	k8sDir   = "k8s"
	batchDir = "batch"
)

// loadYAML parses a one-document YAML file and returns its root mapping.
func loadYAML(t *testing.T, name string) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return parseYAML(t, name, data)
}

func parseYAML(t *testing.T, name string, data []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s does not parse: %v", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s is not one mapping", name)
	}
	return doc.Content[0]
}

// str is the value of a scalar node, or "" for nil.
func str(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// integer is the value of an integer node; a quoted number is not one,
// since Kubernetes rejects it where an integer belongs.
func integer(t *testing.T, n *yaml.Node, what string) int {
	t.Helper()
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		t.Fatalf("%s is not an integer: %v", what, n)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func scalarList(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	var s []string
	for _, c := range n.Content {
		s = append(s, c.Value)
	}
	return s
}

// fieldPath resolves a kustomize field path (a.b.[name=x].args.2) in n.
func fieldPath(n *yaml.Node, p string) *yaml.Node {
	for seg := range strings.SplitSeq(p, ".") {
		switch {
		case n == nil:
			return nil
		case strings.HasPrefix(seg, "[") && strings.HasSuffix(seg, "]"):
			k, v, _ := strings.Cut(seg[1:len(seg)-1], "=")
			var found *yaml.Node
			if n.Kind == yaml.SequenceNode {
				for _, c := range n.Content {
					if str(get(c, k)) == v {
						found = c
						break
					}
				}
			}
			n = found
		case n.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			n = get(n, seg)
		}
	}
	return n
}

// flagValue returns the value of --name in args ("--name v" or "--name=v").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// count parses a shard count flag: a number alone, the index coming from
// the scheduler's environment.
func count(t *testing.T, args []string, name string) int {
	t.Helper()
	v, ok := flagValue(args, name)
	if !ok {
		t.Fatalf("%v has no %s", args, name)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s %q: want a count alone (the index comes from the environment)", name, v)
	}
	return n
}

// job is a Kubernetes Job as the tests see it.
type job struct {
	root      *yaml.Node
	pod       *yaml.Node // spec.template.spec
	container *yaml.Node // the wiretap container
	args      []string
}

func loadJob(t *testing.T, name string) *job {
	t.Helper()
	return jobOf(t, name, loadYAML(t, filepath.Join(k8sDir, name)))
}

func jobOf(t *testing.T, name string, root *yaml.Node) *job {
	t.Helper()
	if str(get(root, "apiVersion")) != "batch/v1" || str(get(root, "kind")) != "Job" {
		t.Fatalf("%s is not a batch/v1 Job", name)
	}
	j := &job{root: root, pod: path(root, "spec", "template", "spec")}
	j.container = fieldPath(j.pod, "containers.[name=wiretap]")
	if j.container == nil {
		t.Fatalf("%s has no container named wiretap", name)
	}
	j.args = scalarList(get(j.container, "args"))
	if r := str(get(j.pod, "restartPolicy")); r != "Never" {
		t.Errorf("%s: restartPolicy %q; want Never (the Job retries, not the kubelet)", name, r)
	}
	return j
}

// claimAt returns the claim the container mounts at mountPath.
func (j *job) claimAt(mountPath string) string {
	for _, m := range get(j.container, "volumeMounts").Content {
		if str(get(m, "mountPath")) != mountPath {
			continue
		}
		v := fieldPath(j.pod, "volumes.[name="+str(get(m, "name"))+"]")
		return str(path(v, "persistentVolumeClaim", "claimName"))
	}
	return ""
}

// checkResources wants CPU and memory requests and a memory limit.
func checkResources(t *testing.T, name string, j *job) {
	t.Helper()
	res := get(j.container, "resources")
	for _, p := range [][]string{{"requests", "cpu"}, {"requests", "memory"}, {"limits", "memory"}} {
		if path(res, p...) == nil {
			t.Errorf("%s: no resources.%s", name, strings.Join(p, "."))
		}
	}
}

func TestK8sShardsJob(t *testing.T) {
	j := loadJob(t, "shards-job.yaml")
	spec := get(j.root, "spec")
	if m := str(get(spec, "completionMode")); m != "Indexed" {
		t.Fatalf("completionMode %q; want Indexed, which sets JOB_COMPLETION_INDEX", m)
	}
	n := integer(t, get(spec, "completions"), "completions")
	if p := integer(t, get(spec, "parallelism"), "parallelism"); p < 1 || p > n {
		t.Errorf("parallelism %d; want 1 to completions (%d)", p, n)
	}
	if len(j.args) == 0 || j.args[0] != "run" {
		t.Fatalf("args %v: want wiretap run", j.args)
	}
	if c := count(t, j.args, "--shard"); c != n {
		t.Errorf("--shard %d; want completions, %d", c, n)
	}
	for _, f := range []string{"--source", "--from", "--to", "--out"} {
		if _, ok := flagValue(j.args, f); !ok {
			t.Errorf("args lack %s", f)
		}
	}
	if src, _ := flagValue(j.args, "--source"); !strings.HasPrefix(src, "s3://") {
		t.Errorf("--source %q: the archive is read from S3", src)
	}
	out, _ := flagValue(j.args, "--out")
	if j.claimAt(out) == "" {
		t.Errorf("--out %s is not a mounted claim", out)
	}
	checkResources(t, "shards-job.yaml", j)

	// The pods read S3 as the IRSA service account.
	sa := loadYAML(t, filepath.Join(k8sDir, "serviceaccount.yaml"))
	if str(get(sa, "kind")) != "ServiceAccount" || str(path(sa, "metadata", "name")) != str(get(j.pod, "serviceAccountName")) {
		t.Error("the shards run as another service account than serviceaccount.yaml's")
	}
	if !strings.HasPrefix(str(path(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn")), "arn:aws:iam::") {
		t.Error("the service account has no IRSA role annotation")
	}
}

func TestK8sMergeJob(t *testing.T) {
	shards := loadJob(t, "shards-job.yaml")
	merge := loadJob(t, "merge-job.yaml")
	n := integer(t, path(shards.root, "spec", "completions"), "completions")
	if len(merge.args) == 0 || merge.args[0] != "merge" {
		t.Fatalf("args %v: want wiretap merge", merge.args)
	}
	if c := count(t, merge.args, "--shards"); c != n {
		t.Errorf("merge --shards %d; want the shards Job's completions, %d", c, n)
	}
	if get(path(merge.root, "spec"), "completionMode") != nil {
		t.Error("the merge is one pod, not an indexed Job")
	}
	if s := str(path(merge.root, "spec", "suspend")); s != "true" {
		t.Error("the merge Job must be created suspended, to be resumed once the shards are in")
	}
	sOut, _ := flagValue(shards.args, "--out")
	mOut, _ := flagValue(merge.args, "--out")
	if sOut != mOut {
		t.Errorf("the shards write to %s, the merge reads %s", sOut, mOut)
	}
	sClaim, mClaim := shards.claimAt(sOut), merge.claimAt(mOut)
	if sClaim == "" || sClaim != mClaim {
		t.Errorf("the shards mount claim %q at %s, the merge %q at %s", sClaim, sOut, mClaim, mOut)
	}
	checkResources(t, "merge-job.yaml", merge)

	pvc := loadYAML(t, filepath.Join(k8sDir, "pvc.yaml"))
	if str(get(pvc, "kind")) != "PersistentVolumeClaim" || str(path(pvc, "metadata", "name")) != sClaim {
		t.Fatalf("pvc.yaml does not declare the claim %q", sClaim)
	}
	if !slices.Contains(scalarList(path(pvc, "spec", "accessModes")), "ReadWriteMany") {
		t.Error("the claim must be ReadWriteMany: the shards' pods write to it at once, from any node")
	}
}

// kustomization is what the tests read of kustomization.yaml.
type kustomization struct {
	Resources []string `yaml:"resources"`
	Patches   []struct {
		Target struct{ Kind, Name string } `yaml:"target"`
		Patch  string                      `yaml:"patch"`
	} `yaml:"patches"`
	Replacements []struct {
		Source struct {
			Kind, Name string
			FieldPath  string `yaml:"fieldPath"`
		} `yaml:"source"`
		Targets []struct {
			Select     struct{ Kind, Name string } `yaml:"select"`
			FieldPaths []string                    `yaml:"fieldPaths"`
		} `yaml:"targets"`
	} `yaml:"replacements"`
}

type jsonPatchOp struct {
	Op    string `yaml:"op"`
	Path  string `yaml:"path"`
	Value any    `yaml:"value"`
}

// TestK8sKustomization checks the one place N is set, and that the
// replacements land on the fields that must carry it.
func TestK8sKustomization(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(k8sDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			want = append(want, b)
		}
	}
	got := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("resources %v; want every manifest in k8s/: %v", got, want)
	}

	shards := loadJob(t, "shards-job.yaml")
	n := integer(t, path(shards.root, "spec", "completions"), "completions")
	var setN []int
	for _, p := range k.Patches {
		var ops []jsonPatchOp
		if err := yaml.Unmarshal([]byte(p.Patch), &ops); err != nil {
			t.Fatalf("patch of %s: %v", p.Target.Name, err)
		}
		for _, op := range ops {
			if p.Target.Name == "wiretap-shards" && op.Path == "/spec/completions" {
				v, ok := op.Value.(int)
				if !ok {
					t.Fatalf("the patch sets completions to %v, not an integer", op.Value)
				}
				setN = append(setN, v)
			}
		}
	}
	if len(setN) != 1 || setN[0] != n {
		t.Errorf("the kustomization sets completions %v; want once, to shards-job.yaml's %d", setN, n)
	}

	// Every replacement copies completions; its targets are the fields
	// that must equal it.
	jobs := map[string]*job{"wiretap-shards": shards, "wiretap-merge": loadJob(t, "merge-job.yaml")}
	covered := map[string]bool{}
	for _, r := range k.Replacements {
		if r.Source.Name != "wiretap-shards" || r.Source.FieldPath != "spec.completions" {
			t.Errorf("replacement from %s %s; want wiretap-shards spec.completions", r.Source.Name, r.Source.FieldPath)
		}
		for _, tg := range r.Targets {
			j := jobs[tg.Select.Name]
			if j == nil || tg.Select.Kind != "Job" {
				t.Errorf("replacement target %s %s is not one of the Jobs", tg.Select.Kind, tg.Select.Name)
				continue
			}
			for _, fp := range tg.FieldPaths {
				node := fieldPath(j.root, fp)
				if node == nil || node.Value != strconv.Itoa(n) {
					t.Errorf("%s %s is %q; want %d", tg.Select.Name, fp, str(node), n)
					continue
				}
				if fp == "spec.parallelism" {
					covered["parallelism"] = true
					continue
				}
				// An argument: the one after the flag that carries N.
				i, err := strconv.Atoi(fp[strings.LastIndex(fp, ".")+1:])
				if err != nil || !strings.HasSuffix(fp[:strings.LastIndex(fp, ".")], ".args") || i == 0 {
					t.Errorf("%s %s is neither parallelism nor an argument", tg.Select.Name, fp)
					continue
				}
				covered[tg.Select.Name+" "+j.args[i-1]] = true
			}
		}
	}
	for _, w := range []string{"parallelism", "wiretap-shards --shard", "wiretap-merge --shards"} {
		if !covered[w] {
			t.Errorf("no replacement sets %s from completions", w)
		}
	}
}

// TestK8sKustomizeBuild builds the kustomization with another N, as
// `kubectl apply -k` would, and checks that N lands everywhere. It needs
// kubectl (kustomize is built in) and skips without it.
func TestK8sKustomizeBuild(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("no kubectl")
	}
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "kustomization.yaml" {
			// Change N in the patch, the one place.
			const want = "path: /spec/completions\n        value: "
			i := bytes.Index(data, []byte(want))
			if i < 0 {
				t.Fatalf("kustomization.yaml has no %q", want)
			}
			j := i + len(want)
			k := j + bytes.IndexByte(data[j:], '\n')
			data = slices.Concat(data[:j], []byte("7"), data[k:])
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(kubectl, "kustomize", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, stderr.Bytes())
	}
	built := map[string]*job{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break
		}
		root := doc.Content[0]
		if str(get(root, "kind")) == "Job" {
			name := str(path(root, "metadata", "name"))
			built[name] = jobOf(t, name, root)
		}
	}
	shards, merge := built["wiretap-shards"], built["wiretap-merge"]
	if shards == nil || merge == nil {
		t.Fatalf("kustomize built Jobs %v", built)
	}
	spec := get(shards.root, "spec")
	if c, p := integer(t, get(spec, "completions"), "completions"), integer(t, get(spec, "parallelism"), "parallelism"); c != 7 || p != 7 {
		t.Errorf("completions %d, parallelism %d; want 7", c, p)
	}
	if c := count(t, shards.args, "--shard"); c != 7 {
		t.Errorf("--shard %d; want 7", c)
	}
	if c := count(t, merge.args, "--shards"); c != 7 {
		t.Errorf("merge --shards %d; want 7", c)
	}
}

// The AWS Batch variant: register-job-definition and submit-job inputs.
type (
	batchJobDefinition struct {
		JobDefinitionName   string `json:"jobDefinitionName"`
		Type                string `json:"type"`
		ContainerProperties struct {
			Image      string `json:"image"`
			JobRoleArn string `json:"jobRoleArn"`
			Volumes    []struct {
				Name string `json:"name"`
				EFS  *struct {
					FileSystemID string `json:"fileSystemId"`
				} `json:"efsVolumeConfiguration"`
			} `json:"volumes"`
			MountPoints []struct {
				SourceVolume  string `json:"sourceVolume"`
				ContainerPath string `json:"containerPath"`
				ReadOnly      bool   `json:"readOnly"`
			} `json:"mountPoints"`
		} `json:"containerProperties"`
	}
	batchSubmit struct {
		JobName         string `json:"jobName"`
		JobQueue        string `json:"jobQueue"`
		JobDefinition   string `json:"jobDefinition"`
		ArrayProperties *struct {
			Size int `json:"size"`
		} `json:"arrayProperties"`
		DependsOn          []any `json:"dependsOn"`
		ContainerOverrides struct {
			Command []string `json:"command"`
		} `json:"containerOverrides"`
	}
)

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(batchDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestBatchJobs(t *testing.T) {
	var def batchJobDefinition
	var shards, merge batchSubmit
	loadJSON(t, "job-definition.json", &def)
	loadJSON(t, "shards-job.json", &shards)
	loadJSON(t, "merge-job.json", &merge)

	if def.Type != "container" || def.JobDefinitionName == "" || def.ContainerProperties.Image == "" {
		t.Fatal("job-definition.json is not a container job definition with a name and an image")
	}
	if !strings.HasPrefix(def.ContainerProperties.JobRoleArn, "arn:aws:iam::") {
		t.Error("no job role: the shards read the archive with it")
	}
	// /out is an EFS volume, writable.
	efs := map[string]bool{}
	for _, v := range def.ContainerProperties.Volumes {
		if v.EFS != nil && v.EFS.FileSystemID != "" {
			efs[v.Name] = true
		}
	}
	mounts := map[string]bool{}
	for _, m := range def.ContainerProperties.MountPoints {
		if efs[m.SourceVolume] && !m.ReadOnly {
			mounts[m.ContainerPath] = true
		}
	}

	if shards.ArrayProperties == nil {
		t.Fatal("shards-job.json is not an array job")
	}
	n := shards.ArrayProperties.Size
	if n < 2 || n > 10000 {
		t.Errorf("array size %d: AWS Batch takes 2 to 10,000", n)
	}
	if shards.JobDefinition != def.JobDefinitionName || merge.JobDefinition != def.JobDefinitionName {
		t.Errorf("the jobs use definitions %q and %q; want %q", shards.JobDefinition, merge.JobDefinition, def.JobDefinitionName)
	}
	if shards.JobQueue == "" || shards.JobQueue != merge.JobQueue {
		t.Errorf("queues %q and %q", shards.JobQueue, merge.JobQueue)
	}
	sArgs, mArgs := shards.ContainerOverrides.Command, merge.ContainerOverrides.Command
	if len(sArgs) == 0 || sArgs[0] != "run" || len(mArgs) == 0 || mArgs[0] != "merge" {
		t.Fatalf("commands %v and %v: want run and merge", sArgs, mArgs)
	}
	if c := count(t, sArgs, "--shard"); c != n {
		t.Errorf("--shard %d; want the array size, %d", c, n)
	}
	if c := count(t, mArgs, "--shards"); c != n {
		t.Errorf("merge --shards %d; want the array size, %d", c, n)
	}
	sOut, _ := flagValue(sArgs, "--out")
	mOut, _ := flagValue(mArgs, "--out")
	if sOut != mOut || !mounts[sOut] {
		t.Errorf("the shards write to %q, the merge reads %q; EFS is mounted at %v", sOut, mOut, mounts)
	}
	if merge.ArrayProperties != nil || len(merge.DependsOn) != 0 {
		t.Error("the merge is one job; submit.sh adds its dependency on the array job")
	}

	// submit.sh submits these files and makes the merge wait for the whole
	// array job: a dependency on its id, without N_TO_N or SEQUENTIAL.
	script, err := os.ReadFile(filepath.Join(batchDir, "submit.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"file://job-definition.json", "file://shards-job.json", "file://merge-job.json", `--depends-on "jobId=$shards"`} {
		if !bytes.Contains(script, []byte(want)) {
			t.Errorf("submit.sh lacks %s", want)
		}
	}
	if bytes.Contains(script, []byte("type=N_TO_N")) || bytes.Contains(script, []byte("type=SEQUENTIAL")) {
		t.Error("the merge must depend on the whole array job, not per child")
	}
}

// TestDeployedCommandsRun runs the shards' and the merge's command lines,
// as the manifests hold them, against a small local archive: each shard with
// the index in the variable its scheduler sets, then the merge. Only the
// locations and the range are swapped for local ones.
func TestDeployedCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an archive and runs every shard")
	}
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users = 4000, 5, 40
	archiveDir := t.TempDir()
	facts, err := generator.Generate(context.Background(), cfg, archive.Dir{Root: archiveDir})
	if err != nil {
		t.Fatal(err)
	}
	roster := filepath.Join(archiveDir, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	local := map[string]string{
		"--source": archiveDir, "--roster": roster,
		"--from": facts.Start.Format("2006-01-02"), "--to": facts.End.Format("2006-01-02"),
	}
	localize := func(args []string, out string) []string {
		args = slices.Clone(args)
		for i := 1; i < len(args); i++ {
			if v, ok := local[args[i-1]]; ok {
				args[i] = v
			}
			if args[i-1] == "--out" {
				args[i] = out
			}
		}
		return args
	}
	wiretap := func(t *testing.T, env map[string]string, args []string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		io := &cli.IO{Out: &stdout, Err: &stderr, Getenv: func(k string) string { return env[k] }}
		if code := cli.Main(context.Background(), io, args); code != cli.ExitOK {
			t.Fatalf("wiretap %v: exit %d\n%s", args, code, stderr.Bytes())
		}
	}
	check := func(t *testing.T, indexVar string, n int, shardArgs, mergeArgs []string) {
		out := t.TempDir()
		for i := range n {
			wiretap(t, map[string]string{indexVar: strconv.Itoa(i), "GOGC": "100"}, localize(shardArgs, out))
		}
		if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
			t.Fatal("the shards published a summary before the merge")
		}
		wiretap(t, nil, localize(mergeArgs, out))
		if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
			t.Fatalf("the merge published no summary: %v", err)
		}
	}
	t.Run("k8s", func(t *testing.T) {
		shards, merge := loadJob(t, "shards-job.yaml"), loadJob(t, "merge-job.yaml")
		n := integer(t, path(shards.root, "spec", "completions"), "completions")
		check(t, "JOB_COMPLETION_INDEX", n, shards.args, merge.args)
	})
	t.Run("batch", func(t *testing.T) {
		var shards, merge batchSubmit
		loadJSON(t, "shards-job.json", &shards)
		loadJSON(t, "merge-job.json", &merge)
		check(t, "AWS_BATCH_JOB_ARRAY_INDEX", shards.ArrayProperties.Size,
			shards.ContainerOverrides.Command, merge.ContainerOverrides.Command)
	})
}
