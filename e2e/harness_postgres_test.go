package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requirePostgresEnv, set by scripts/test.sh, turns a missing PostgreSQL from a skip into a failure:
// the script has found or installed it, so a test that cannot find it is broken, not unlucky.
const requirePostgresEnv = "DEFENDER_E2E_REQUIRE_POSTGRES"

// postgresDatabase is the database the collectors keep their checkpoints in.
const postgresDatabase = "checkpoints"

// postgresServer is a PostgreSQL server of the test's own, on 127.0.0.1, with an empty database.
type postgresServer struct {
	t      *testing.T
	bin    string // the directory of initdb, postgres and psql
	port   int
	socket string // the directory of its unix socket, which psql connects through
	asUser *syscall.Credential
}

// dsn is the datasource that db_storage's pgx driver connects with.
func (p *postgresServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, postgresDatabase)
}

// psql runs one SQL command in the database and returns its output, unaligned and without headers.
func (p *postgresServer) psql(sql string) string {
	p.t.Helper()
	out, err := p.command("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", p.socket, "-p", strconv.Itoa(p.port), "-U", "postgres", "-d", postgresDatabase, "-c", sql).CombinedOutput()
	require.NoError(p.t, err, "psql %q: %s", sql, out)
	return strings.TrimSpace(string(out))
}

// command is the PostgreSQL program name run as the server's user.
func (p *postgresServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Dir = p.socket // a directory the user can enter, unlike the test's, perhaps
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.asUser}
	return cmd
}

// startPostgres initialises a cluster in a temporary directory and runs PostgreSQL on it, listening
// on a free port of 127.0.0.1 (and on a unix socket in that directory), until the test ends. The
// test is skipped when PostgreSQL is not installed, unless scripts/test.sh said it must be.
func startPostgres(t *testing.T) *postgresServer {
	t.Helper()
	p := &postgresServer{t: t, bin: postgresBin(t), asUser: postgresUser(t)}
	p.socket = postgresDir(t, p.asUser)
	data := filepath.Join(p.socket, "data")
	out, err := p.command("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	// The free port may be taken by someone else before the server binds it: try another then.
	const tries = 3
	for try := 1; ; try++ {
		p.port = freePort(t)
		err := p.run(data)
		if err == nil {
			break
		}
		require.Less(t, try, tries, "PostgreSQL did not start: %v", err)
		t.Logf("PostgreSQL did not start on port %d, trying another: %v", p.port, err)
	}
	out, err = p.command("psql", "-X", "-q", "-h", p.socket, "-p", strconv.Itoa(p.port), "-U", "postgres", "-d", "postgres",
		"-c", "CREATE DATABASE "+postgresDatabase).CombinedOutput()
	require.NoError(t, err, "creating the database: %s", out)
	return p
}

// run starts the server on data and waits until it accepts connections; the server is stopped when
// the test ends. It returns the server's log when it exits before accepting connections.
func (p *postgresServer) run(data string) error {
	logPath := filepath.Join(p.socket, fmt.Sprintf("postgres-%d.log", p.port))
	logFile, err := os.Create(logPath)
	require.NoError(p.t, err)
	defer logFile.Close() // the server keeps its own descriptor
	server := p.command("postgres", "-D", data, "-p", strconv.Itoa(p.port), "-k", p.socket,
		"-c", "listen_addresses=127.0.0.1")
	server.Stdout, server.Stderr = logFile, logFile
	// Should the test process die before its cleanup (a timeout, a signal), the server stops with it
	// (SIGQUIT: PostgreSQL's immediate shutdown) rather than linger on its port.
	server.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	require.NoError(p.t, server.Start())
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()

	deadline := time.After(30 * time.Second)
	for {
		ready := p.command("pg_isready", "-q", "-h", p.socket, "-p", strconv.Itoa(p.port))
		if ready.Run() == nil {
			break
		}
		select {
		case err := <-exited:
			output, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited (%v): %s", err, output)
		case <-deadline:
			_ = server.Process.Kill()
			<-exited
			output, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres not ready after 30 s: %s", output)
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.t.Cleanup(func() {
		// SIGINT is PostgreSQL's fast shutdown: it disconnects the clients and stops.
		_ = server.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = server.Process.Kill()
			<-exited
		}
		if p.t.Failed() {
			output, _ := os.ReadFile(logPath)
			p.t.Logf("PostgreSQL log:\n%s", output)
		}
	})
	return nil
}

// postgresBin finds the directory of PostgreSQL's server programs: PG_BIN, the directory of the
// initdb on PATH (through its symbolic links, to where psql and pg_isready are too), or the newest
// /usr/lib/postgresql/*/bin, where Debian's packages put them.
func postgresBin(t *testing.T) string {
	t.Helper()
	has := func(dir string) bool {
		for _, program := range []string{"initdb", "postgres", "psql", "pg_isready"} {
			if _, err := os.Stat(filepath.Join(dir, program)); err != nil {
				return false
			}
		}
		return true
	}
	var candidates []string
	if dir := os.Getenv("PG_BIN"); dir != "" {
		candidates = append(candidates, dir)
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
	}
	installed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(installed, func(a, b string) int { return postgresVersion(b) - postgresVersion(a) })
	candidates = append(candidates, installed...)
	for _, dir := range candidates {
		if has(dir) {
			return dir
		}
	}
	const install = "PostgreSQL's server programs (initdb, postgres, psql, pg_isready) are not found in PG_BIN, on PATH " +
		"or in /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql) or set PG_BIN to their directory"
	if os.Getenv(requirePostgresEnv) != "" {
		t.Fatal(install)
	}
	t.Skip(install)
	return ""
}

// postgresVersion is the major version in a /usr/lib/postgresql/VERSION/bin path, 0 if none.
func postgresVersion(bin string) int {
	version, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return version
}

// postgresUser is who runs initdb and postgres, which refuse to run as root: the current user, or
// as root the "postgres" user of the distribution's package (or "nobody").
func postgresUser(t *testing.T) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err := strconv.ParseUint(u.Uid, 10, 32)
		require.NoError(t, err)
		gid, err := strconv.ParseUint(u.Gid, 10, 32)
		require.NoError(t, err)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	t.Fatal("running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
	return nil
}

// postgresDir makes a directory, removed when the test ends, that asUser owns: t.TempDir's parent
// is root's alone, where another user could not reach.
func postgresDir(t *testing.T, asUser *syscall.Credential) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "defender-e2e-postgres-")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, os.RemoveAll(dir)) })
	if asUser != nil {
		require.NoError(t, os.Chown(dir, int(asUser.Uid), int(asUser.Gid)))
	}
	return dir
}

// freePort is a port of 127.0.0.1 that nothing listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port
}
