package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stopTimeout bounds a graceful shutdown: the receiver abandons the window in flight and the
// exporters flush what they hold, which takes well under a second here.
const stopTimeout = 30 * time.Second

// collectorProcess is a running collector.
type collectorProcess struct {
	t       *testing.T
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has exited
	waitErr error         // how it exited; read only after exited is closed
}

// collectorBinary is the collector distribution under test.
func collectorBinary(t *testing.T) string {
	t.Helper()
	return binaryFrom(t, "OTELCOL_BIN", "the collector")
}

// binaryFrom is the path in the environment variable name, which scripts/test.sh sets to what it
// built; the test is skipped without it.
func binaryFrom(t *testing.T, name, what string) string {
	t.Helper()
	bin := os.Getenv(name)
	if bin == "" {
		t.Skipf("%s is not set: run scripts/test.sh, which builds %s and runs these tests against it", name, what)
	}
	return bin
}

// startCollector runs the collector on config, its output going to a file that is printed if the
// test fails. The collector is killed when the test ends, should the test not have stopped it.
func startCollector(t *testing.T, config map[string]any) *collectorProcess {
	t.Helper()
	return startProcess(t, collectorBinary(t), "collector", config, "DEFENDER_CLIENT_SECRET="+clientSecret)
}

// startProcess runs the collector distribution bin on config, with env added to the test's
// environment; name tells its output apart in a failing test's log.
func startProcess(t *testing.T, bin, name string, config map[string]any, env ...string) *collectorProcess {
	t.Helper()
	dir := t.TempDir()
	configPath := writeConfig(t, dir, config)
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(bin, "--config", configPath)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	c := &collectorProcess{t: t, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		if c.running() {
			_ = cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			output, _ := os.ReadFile(logPath)
			t.Logf("%s output (config %s):\n%s", name, configPath, output)
		}
	})
	return c
}

func (c *collectorProcess) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM, as a service manager would, and requires a clean exit in time.
func (c *collectorProcess) stop() {
	c.t.Helper()
	require.NoError(c.t, c.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-c.exited:
		require.NoError(c.t, c.waitErr, "collector exit status")
	case <-time.After(stopTimeout):
		c.t.Fatalf("collector still running %s after SIGTERM", stopTimeout)
	}
}

// kill sends SIGKILL, as a crash or the OOM killer would: the collector gets no chance to finish a
// write, flush or checkpoint. It requires the collector to have been running until then.
func (c *collectorProcess) kill() {
	c.t.Helper()
	err := c.cmd.Process.Kill()
	<-c.exited
	if err != nil {
		c.t.Fatalf("SIGKILL: %v; the collector had exited: %v", err, c.waitErr)
	}
}

// runFor lets the collector run for d, failing the test should it exit meanwhile.
func (c *collectorProcess) runFor(d time.Duration) {
	c.t.Helper()
	select {
	case <-c.exited:
		c.t.Fatalf("collector exited early: %v", c.waitErr)
	case <-time.After(d):
	}
}

// waitFor polls cond until it holds. It fails the test when timeout passes first or when the
// collector exits, giving what was awaited and, from status, how far it got.
func (c *collectorProcess) waitFor(timeout time.Duration, what string, cond func() (done bool, status string)) {
	c.t.Helper()
	c.waitForEvery(250*time.Millisecond, timeout, what, cond)
}

// waitForEvery is waitFor polling every period.
func (c *collectorProcess) waitForEvery(period, timeout time.Duration, what string, cond func() (done bool, status string)) {
	c.t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		done, status := cond()
		if done {
			return
		}
		select {
		case <-c.exited:
			c.t.Fatalf("collector exited (%v) while waiting for %s; last: %s", c.waitErr, what, status)
		case <-deadline:
			c.t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, status)
		case <-tick.C:
		}
	}
}
