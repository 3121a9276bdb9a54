package bus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const crashDirEnv = "ETOILES_BUS_CRASH_DIR"

// TestRelayKill9 kills a process with SIGKILL after JetStream has
// acknowledged its events and before its store has marked them published,
// then restarts on the same directory: the republished events are dropped
// as duplicates and the stream holds each one once.
func TestRelayKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRelayKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "acked ") {
				acked <- line
				return
			}
		}
		close(acked)
	}()
	select {
	case line, ok := <-acked:
		if !ok {
			cmd.Wait()
			t.Fatalf("child exited before its events were acknowledged")
		}
		if line != "acked 50" {
			t.Fatalf("child said %q, want %q", line, "acked 50")
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not publish in time")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	evs := testEvents(1, 50)
	ob := newMemOutbox(evs...) // nothing was marked: the store rolled back
	b := mustOpen(t, Options{StoreDir: dir})
	if diff := cmp.Diff(streamEvents(t, b), evs); diff != "" {
		t.Fatalf("EVENTS after kill -9 (-got +want):\n%s", diff)
	}
	r := NewRelay(b, ob, RelayOptions{})
	if err := r.Flush(context.Background()); err != nil {
		t.Fatalf("Flush after restart: %v", err)
	}
	if diff := cmp.Diff(streamEvents(t, b), evs); diff != "" {
		t.Errorf("EVENTS after republishing (-got +want):\n%s", diff)
	}
	if st := r.Stats(); st.Duplicates != 50 || st.Published != 50 {
		t.Errorf("Stats() = %+v, want 50 duplicates and 50 published", st)
	}
}

// TestRelayKill9Child is the process TestRelayKill9 kills. It publishes 50
// events and blocks in MarkPublished, after the acks.
func TestRelayKill9Child(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestRelayKill9")
	}
	b, err := Open(context.Background(), Options{StoreDir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ob := newMemOutbox(testEvents(1, 50)...)
	ob.onMark = func(ids []int64) error {
		fmt.Printf("acked %d\n", len(ids))
		select {} // wait for SIGKILL
	}
	NewRelay(b, ob, RelayOptions{}).Flush(context.Background())
	t.Fatalf("Flush returned")
}
