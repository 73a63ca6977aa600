package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// manifestsDir holds the Kubernetes manifests of the sharded deployment (docs/scale.md).
const manifestsDir = "../deploy/kubernetes"

// TestDeployManifestsValidate reads every Kubernetes manifest in deploy/kubernetes and runs the
// built collector's validate command on the configuration in each shard's ConfigMap, db_storage and
// k8s_leader_elector included.
func TestDeployManifestsValidate(t *testing.T) {
	bin := collectorBinary(t)
	paths, err := filepath.Glob(filepath.Join(manifestsDir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	shards := 0
	for _, path := range paths {
		for _, doc := range readManifests(t, path) {
			require.NotEmpty(t, doc.APIVersion, "%s: a document without apiVersion", path)
			require.NotEmpty(t, doc.Metadata.Name, "%s: a %s without a name", path, doc.Kind)
			if doc.Kind != "ConfigMap" {
				continue
			}
			shards++
			t.Run(filepath.Base(path), func(t *testing.T) {
				config := map[string]any{}
				require.NoError(t, yaml.Unmarshal([]byte(doc.Data["config.yaml"]), &config))
				configPath := writeConfig(t, t.TempDir(), config)
				cmd := exec.Command(bin, "validate", "--config", configPath)
				cmd.Env = append(os.Environ(), "POD_NAMESPACE=defender-otel", "DB_STORAGE_DATASOURCE=postgres://otel@db/checkpoints",
					"DEFENDER_CLIENT_ID=11111111-1111-1111-1111-111111111111", "DEFENDER_CLIENT_SECRET="+clientSecret, "SPLUNK_HEC_TOKEN=token")
				output, err := cmd.CombinedOutput()
				require.NoError(t, err, "validate: %s", output)
			})
		}
	}
	require.Positive(t, shards, "no shard ConfigMap in %s", manifestsDir)
}

// manifest is the part of a Kubernetes object the test reads.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
}

// readManifests decodes every document of the YAML file at path.
func readManifests(t *testing.T, path string) []manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	var docs []manifest
	for {
		var doc manifest
		err := decoder.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err, path)
		docs = append(docs, doc)
	}
}

// TestDeployManifestsAreWellFormed decodes every Kubernetes object in deploy/kubernetes strictly,
// as the API server would (a field in the wrong place is an error, not ignored), and requires each
// Deployment's selector to pick its own pods, and its pods' anti-affinity their replicas.
func TestDeployManifestsAreWellFormed(t *testing.T) {
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	paths, err := filepath.Glob(filepath.Join(manifestsDir, "*.yaml"))
	require.NoError(t, err)
	deployments := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			object, _, err := codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
			require.NoError(t, err, "%s, document %d", path, i)
			deployment, ok := object.(*appsv1.Deployment)
			if !ok {
				continue
			}
			deployments++
			selector := deployment.Spec.Selector.MatchLabels
			require.NotEmpty(t, selector, "%s: %s has no selector", path, deployment.Name)
			require.Subset(t, deployment.Spec.Template.Labels, selector, "%s: %s's selector misses its pods", path, deployment.Name)
			if affinity := deployment.Spec.Template.Spec.Affinity; affinity != nil && affinity.PodAntiAffinity != nil {
				for _, term := range affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
					require.Equal(t, selector, term.PodAffinityTerm.LabelSelector.MatchLabels,
						"%s: %s's anti-affinity does not pick its own replicas", path, deployment.Name)
				}
			}
		}
	}
	require.Positive(t, deployments, "no Deployment in %s", manifestsDir)
}
