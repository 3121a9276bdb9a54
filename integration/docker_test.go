package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// labelRun marks every network, volume and container of a test run with
// the run id, for `docker rm -f $(docker ps -aq --filter label=...)` after
// a test binary that was killed before its cleanups ran.
const labelRun = "io.etoiles.integration"

// dockerCallTimeout bounds one Docker API call that should be quick.
const dockerCallTimeout = 30 * time.Second

var engine struct {
	once  sync.Once
	pool  *dockertest.Pool
	runID string
	err   error
}

// mustDocker returns the Docker pool. When no engine answers, the test
// is skipped, or fails under CI=true.
func mustDocker(tb testing.TB) *dockertest.Pool {
	tb.Helper()
	engine.once.Do(func() {
		pool, err := dockertest.NewPool("")
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = pool.Client.PingWithContext(ctx)
			cancel()
		}
		if err != nil {
			engine.err = err
			return
		}
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		engine.pool, engine.runID = pool, hex.EncodeToString(b)
	})
	if engine.err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("no Docker engine answers (CI=true requires one): %v", engine.err)
		}
		tb.Skipf("no Docker engine answers: %v", engine.err)
	}
	return engine.pool
}

// waitFor polls cond until it returns nil, and fails the test with cond's
// last error after timeout.
func waitFor(tb testing.TB, timeout time.Duration, cond func() error) {
	tb.Helper()
	waitEvery(tb, timeout, 100*time.Millisecond, cond)
}

// waitEvery is waitFor polling every interval, for measuring latencies.
func waitEvery(tb testing.TB, timeout, interval time.Duration, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not done after %v: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}

func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), dockerCallTimeout)
}

// network is a private Docker network of one test.
type network struct {
	pool *dockertest.Pool
	id   string
	name string
}

var notName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// mustNetwork creates a bridge network for the test, named after the run
// and the test, and removes it when the test ends. Its containers reach
// each other by hostname; the host reaches them on 127.0.0.1 ports.
func mustNetwork(tb testing.TB) *network {
	tb.Helper()
	pool := mustDocker(tb)
	name := "etoiles-it-" + engine.runID + "-" + strings.ToLower(notName.ReplaceAllString(tb.Name(), "-"))
	ctx, cancel := callCtx()
	defer cancel()
	n, err := pool.Client.CreateNetwork(dc.CreateNetworkOptions{
		Name: name, Driver: "bridge", CheckDuplicate: true,
		Labels: map[string]string{labelRun: engine.runID}, Context: ctx,
	})
	if err != nil {
		tb.Fatalf("create network %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := pool.Client.RemoveNetwork(n.ID); err != nil {
			tb.Errorf("remove network %s: %v", name, err)
		}
	})
	return &network{pool: pool, id: n.ID, name: name}
}

// spec describes a container to start on a test network.
type spec struct {
	image    string   // an image id from mustImage (the API's create never pulls)
	hostname string   // also its alias on the network, e.g. fr.etoiles.test
	cmd      []string // arguments to the image's entrypoint
	env      []string
	ports    []string // container ports published on 127.0.0.1, e.g. "8080/tcp"
	dataDir  string   // where a named volume of the test is mounted, e.g. /data
}

// container is a container of a test. Its host ports are read again
// after every start: Docker may give a restarted container new ones.
type container struct {
	pool  *dockertest.Pool
	id    string
	name  string
	ports map[string]string // "8080/tcp" → "127.0.0.1:32771"
}

// mustStart creates and starts a container on n, with a fresh named
// volume when s.dataDir is set, and removes both when the test ends. If
// the test failed, the container's last log lines are printed first.
func mustStart(tb testing.TB, n *network, s spec) *container {
	tb.Helper()
	pool := n.pool
	name := n.name + "-" + s.hostname
	labels := map[string]string{labelRun: engine.runID}
	ctx, cancel := callCtx()
	defer cancel()

	var binds []string
	if s.dataDir != "" {
		vol, err := pool.Client.CreateVolume(dc.CreateVolumeOptions{Name: name, Labels: labels, Context: ctx})
		if err != nil {
			tb.Fatalf("create volume %s: %v", name, err)
		}
		tb.Cleanup(func() {
			ctx, cancel := callCtx()
			defer cancel()
			if err := pool.Client.RemoveVolumeWithOptions(dc.RemoveVolumeOptions{Name: vol.Name, Force: true, Context: ctx}); err != nil {
				tb.Errorf("remove volume %s: %v", vol.Name, err)
			}
		})
		binds = append(binds, vol.Name+":"+s.dataDir)
	}
	exposed := map[dc.Port]struct{}{}
	bindings := map[dc.Port][]dc.PortBinding{}
	for _, p := range s.ports {
		exposed[dc.Port(p)] = struct{}{}
		bindings[dc.Port(p)] = []dc.PortBinding{{HostIP: "127.0.0.1"}} // any free port
	}
	created, err := pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: name,
		Config: &dc.Config{
			Image: s.image, Hostname: s.hostname, Cmd: s.cmd, Env: s.env,
			ExposedPorts: exposed, Labels: labels,
		},
		HostConfig: &dc.HostConfig{Binds: binds, PortBindings: bindings},
		NetworkingConfig: &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{
			n.id: {Aliases: []string{s.hostname}},
		}},
		Context: ctx,
	})
	if err != nil {
		tb.Fatalf("create container %s: %v", name, err)
	}
	c := &container{pool: pool, id: created.ID, name: name}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("last logs of %s:\n%s", name, c.tail(50))
		}
		ctx, cancel := callCtx()
		defer cancel()
		if err := pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.id, Force: true, RemoveVolumes: true, Context: ctx}); err != nil {
			tb.Errorf("remove container %s: %v", name, err)
		}
	})
	c.start(tb)
	return c
}

// start starts the container and reads its host ports.
func (c *container) start(tb testing.TB) {
	tb.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	if err := c.pool.Client.StartContainerWithContext(c.id, nil, ctx); err != nil {
		tb.Fatalf("start %s: %v", c.name, err)
	}
	c.readPorts(tb)
}

// readPorts waits until the running container publishes every port
// again, and records the host addresses.
func (c *container) readPorts(tb testing.TB) {
	tb.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	waitFor(tb, 10*time.Second, func() error {
		info, err := c.pool.Client.InspectContainerWithContext(c.id, ctx)
		if err != nil {
			return err
		}
		if !info.State.Running {
			return fmt.Errorf("%s is %s (exit %d):\n%s", c.name, info.State.Status, info.State.ExitCode, c.tail(20))
		}
		ports := map[string]string{}
		if len(info.NetworkSettings.Ports) == 0 && len(info.Config.ExposedPorts) > 0 {
			return fmt.Errorf("%s: ports not published yet", c.name)
		}
		for p, b := range info.NetworkSettings.Ports {
			if len(b) == 0 || b[0].HostPort == "" {
				return fmt.Errorf("%s: port %s not published yet", c.name, p)
			}
			ports[string(p)] = b[0].HostIP + ":" + b[0].HostPort
		}
		c.ports = ports
		return nil
	})
}

// addr returns the host address of a published port: "127.0.0.1:32771".
func (c *container) addr(tb testing.TB, port string) string {
	tb.Helper()
	a, ok := c.ports[port]
	if !ok {
		tb.Fatalf("%s publishes no port %s (ports %v)", c.name, port, c.ports)
	}
	return a
}

// signal sends sig to the container's main process and waits until the
// container has exited. It returns the exit code. Send SIGTERM for a
// graceful stop: Docker's stop would use the stop signal of the
// container, which dockertest sets to SIGWINCH.
func (c *container) signal(tb testing.TB, sig dc.Signal, timeout time.Duration) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := c.pool.Client.KillContainer(dc.KillContainerOptions{ID: c.id, Signal: sig, Context: ctx}); err != nil {
		tb.Fatalf("signal %v to %s: %v", sig, c.name, err)
	}
	code, err := c.pool.Client.WaitContainerWithContext(c.id, ctx)
	if err != nil {
		tb.Fatalf("wait for %s to exit after signal %v: %v", c.name, sig, err)
	}
	return code
}

// stop stops the container gracefully with SIGTERM and returns its exit
// code.
func (c *container) stop(tb testing.TB) int {
	tb.Helper()
	return c.signal(tb, dc.SIGTERM, 30*time.Second)
}

// kill stops the container at once with SIGKILL, as a crash would.
func (c *container) kill(tb testing.TB) {
	tb.Helper()
	c.signal(tb, dc.SIGKILL, 30*time.Second)
}

// logs returns everything the container wrote on stdout and stderr.
func (c *container) logs(tb testing.TB) string {
	tb.Helper()
	s, err := c.readLogs("all")
	if err != nil {
		tb.Fatalf("logs of %s: %v", c.name, err)
	}
	return s
}

// logsUntil returns the container's logs once ok accepts them, or after
// ten seconds whatever they are then. Docker hands a container's output to
// its log driver asynchronously: a node that answered a moment ago may not
// have its line in the logs yet.
func (c *container) logsUntil(tb testing.TB, ok func(logs string) bool) string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := c.logs(tb)
		if ok(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// has is the logsUntil condition of logs holding want.
func has(want string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, want) }
}

// tail returns the last n log lines, or the reason it cannot.
func (c *container) tail(n int) string {
	s, err := c.readLogs(fmt.Sprint(n))
	if err != nil {
		return "(no logs: " + err.Error() + ")"
	}
	return s
}

func (c *container) readLogs(tail string) (string, error) {
	ctx, cancel := callCtx()
	defer cancel()
	var out bytes.Buffer
	err := c.pool.Client.Logs(dc.LogsOptions{
		Context: ctx, Container: c.id, OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Tail: tail,
	})
	return out.String(), err
}

// exec runs a command in the running container, as the image's user, and
// returns its standard output. It fails the test unless the command exits 0.
func (c *container) exec(tb testing.TB, cmd ...string) string {
	tb.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	ex, err := c.pool.Client.CreateExec(dc.CreateExecOptions{
		Container: c.id, Cmd: cmd, AttachStdout: true, AttachStderr: true, Context: ctx,
	})
	if err != nil {
		tb.Fatalf("exec %v in %s: %v", cmd, c.name, err)
	}
	var stdout, stderr bytes.Buffer
	err = c.pool.Client.StartExec(ex.ID, dc.StartExecOptions{OutputStream: &stdout, ErrorStream: &stderr, Context: ctx})
	if err == nil {
		var st *dc.ExecInspect
		if st, err = c.pool.Client.InspectExec(ex.ID); err == nil && st.ExitCode != 0 {
			err = fmt.Errorf("exit %d", st.ExitCode)
		}
	}
	if err != nil {
		tb.Fatalf("exec %v in %s: %v: %s", cmd, c.name, err, stderr.String())
	}
	return stdout.String()
}

// inspect returns the container's current state.
func (c *container) inspect(tb testing.TB) *dc.Container {
	tb.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	info, err := c.pool.Client.InspectContainerWithContext(c.id, ctx)
	if err != nil {
		tb.Fatalf("inspect %s: %v", c.name, err)
	}
	return info
}

// disconnect cuts the container off n, as a network partition would:
// the others can no longer resolve or reach it, nor it them, and the
// host cannot reach its ports.
func (c *container) disconnect(tb testing.TB, n *network) {
	tb.Helper()
	if err := c.pool.Client.DisconnectNetwork(n.id, dc.NetworkConnectionOptions{Container: c.id, Force: true}); err != nil {
		tb.Fatalf("disconnect %s from %s: %v", c.name, n.name, err)
	}
}

// connect puts the container back on n under its hostname, and reads
// its host ports again: Docker may publish them on new ones.
func (c *container) connect(tb testing.TB, n *network, hostname string) {
	tb.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	err := c.pool.Client.ConnectNetwork(n.id, dc.NetworkConnectionOptions{
		Container: c.id, EndpointConfig: &dc.EndpointConfig{Aliases: []string{hostname}}, Context: ctx,
	})
	if err != nil {
		tb.Fatalf("connect %s to %s: %v", c.name, n.name, err)
	}
	c.readPorts(tb)
}
