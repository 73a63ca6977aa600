package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
)

// leaseAPI plays as much of a Kubernetes API server as client-go's leader election needs, which is
// what the k8s_leader_elector extension runs: the coordination.k8s.io/v1 Leases of a namespace, read
// (GET), created (POST) and updated (PUT), each update refused with 409 Conflict unless it carries
// the lease's current resourceVersion, as the API server's optimistic concurrency does. It keeps
// the holders the lease had, and when each took it.
type leaseAPI struct {
	url string

	mu      sync.Mutex
	leases  map[string]*coordinationv1.Lease // by name
	version int                              // the last resourceVersion given out
	holders []leaseHolder
}

// leaseHolder is a holder of the lease from a moment on.
type leaseHolder struct {
	identity string
	since    time.Time
}

const leasesPath = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"

// startLeaseAPI serves the Lease endpoint on 127.0.0.1 over http, until the test ends.
func startLeaseAPI(t *testing.T) *leaseAPI {
	t.Helper()
	api := &leaseAPI{leases: map[string]*coordinationv1.Lease{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+leasesPath+"/{name}", api.get)
	mux.HandleFunc("POST "+leasesPath, api.create)
	mux.HandleFunc("PUT "+leasesPath+"/{name}", api.update)
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	api.url = server.URL
	return api
}

// kubeconfig writes a kubeconfig file pointing at the API, for auth_type kubeConfig (client-go
// reads the file that the KUBECONFIG environment variable names), and returns its path.
func (a *leaseAPI) kubeconfig(t *testing.T) string {
	t.Helper()
	config := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"clusters":        []any{map[string]any{"name": "test", "cluster": map[string]any{"server": a.url}}},
		"users":           []any{map[string]any{"name": "test", "user": map[string]any{"token": "test"}}},
		"contexts":        []any{map[string]any{"name": "test", "context": map[string]any{"cluster": "test", "user": "test"}}},
		"current-context": "test",
	}
	data, err := json.Marshal(config)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// holderHistory returns the holders the lease had, in order.
func (a *leaseAPI) holderHistory() []leaseHolder {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]leaseHolder(nil), a.holders...)
}

func (a *leaseAPI) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	lease, ok := a.leases[r.PathValue("name")]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", r.PathValue("name"))
		return
	}
	writeObject(w, http.StatusOK, lease)
}

func (a *leaseAPI) create(w http.ResponseWriter, r *http.Request) {
	lease, name, err := decodeLease(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, exists := a.leases[name]; exists {
		writeStatus(w, http.StatusConflict, "AlreadyExists", name)
		return
	}
	a.store(name, lease)
	writeObject(w, http.StatusCreated, lease)
}

func (a *leaseAPI) update(w http.ResponseWriter, r *http.Request) {
	lease, name, err := decodeLease(r)
	if err != nil || name != r.PathValue("name") {
		writeStatus(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("lease %q at %s: %v", name, r.URL.Path, err))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	current, exists := a.leases[name]
	if !exists {
		writeStatus(w, http.StatusNotFound, "NotFound", name)
		return
	}
	if lease.ResourceVersion != current.ResourceVersion {
		writeStatus(w, http.StatusConflict, "Conflict", name)
		return
	}
	a.store(name, lease)
	writeObject(w, http.StatusOK, lease)
}

// store keeps lease under a new resourceVersion and notes a change of holder. a.mu must be held.
func (a *leaseAPI) store(name string, lease *coordinationv1.Lease) {
	a.version++
	lease.ResourceVersion = strconv.Itoa(a.version)
	lease.APIVersion, lease.Kind = "coordination.k8s.io/v1", "Lease"
	a.leases[name] = lease
	holder := ptr.Deref(lease.Spec.HolderIdentity, "")
	if n := len(a.holders); n == 0 || a.holders[n-1].identity != holder {
		a.holders = append(a.holders, leaseHolder{identity: holder, since: time.Now()})
	}
}

// decodeLease reads the Lease a request carries, and its name. client-go sends it as protobuf (or
// JSON), which client-go's own scheme decodes; answers are JSON, which it accepts as well.
func decodeLease(r *http.Request) (*coordinationv1.Lease, string, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "", err
	}
	object, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return nil, "", err
	}
	lease, ok := object.(*coordinationv1.Lease)
	if !ok {
		return nil, "", fmt.Errorf("a %T, not a Lease", object)
	}
	return lease, lease.Name, nil
}

func writeObject(w http.ResponseWriter, code int, object any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(object)
}

// writeStatus answers with the API server's Status object, from which client-go tells a missing
// lease and a conflict apart.
func writeStatus(w http.ResponseWriter, code int, reason, name string) {
	writeObject(w, code, map[string]any{
		"apiVersion": "v1", "kind": "Status", "metadata": map[string]any{},
		"status": "Failure", "reason": reason, "code": code,
		"message": fmt.Sprintf("leases.coordination.k8s.io %q: %s", name, reason),
		"details": map[string]any{"name": name, "group": "coordination.k8s.io", "kind": "leases"},
	})
}
