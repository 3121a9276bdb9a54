package integration

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// The images the tests run. Their own tag keeps the tests from replacing
// the etoiles:dev images a developer built with scripts/image.
const (
	nodeImage = "etoiles:integration"
	natsImage = "etoiles-nats:integration"
)

// labelContext holds the SHA-256 of an image's build context (Dockerfile
// and binary): an image whose label matches is reused, not rebuilt.
const labelContext = "io.etoiles.context.sha256"

var images struct {
	once     sync.Once
	err      error
	ids      map[string]string // tag → image id
	nodeDeps []string          // module paths linked into the etoiles binary
	log      []string          // what was built or reused, and how long it took
}

// mustImage returns the id of the image built for tag (nodeImage or
// natsImage). The first call builds the static binaries and both images,
// once per test binary; tests running in parallel wait for it. Containers
// are created from the id, so that another run retagging the image
// meanwhile cannot swap the binary under a test.
func mustImage(tb testing.TB, tag string) string {
	tb.Helper()
	pool := mustDocker(tb)
	images.once.Do(func() { images.err = buildImages(pool) })
	if images.err != nil {
		tb.Fatalf("build images: %v", images.err)
	}
	id, ok := images.ids[tag]
	if !ok {
		tb.Fatalf("no image is built for %s", tag)
	}
	return id
}

func buildImages(pool *dockertest.Pool) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "etoiles-integration-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Both mains in one go build: the flags of scripts/image, a fixed
	// version so that an unchanged tree gives the same binary.
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=integration",
		"-o", dir+string(filepath.Separator), "./cmd/etoiles", "github.com/nats-io/nats-server/v2")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	images.log = append(images.log, fmt.Sprintf("go build: %v", time.Since(start).Round(time.Millisecond)))

	info, err := buildinfo.ReadFile(filepath.Join(dir, "etoiles"))
	if err != nil {
		return fmt.Errorf("read build info: %w", err)
	}
	for _, d := range info.Deps {
		images.nodeDeps = append(images.nodeDeps, d.Path)
	}

	images.ids = map[string]string{}
	for _, im := range []struct{ tag, dockerfile, binary string }{
		{nodeImage, "Dockerfile", "etoiles"},
		{natsImage, "Dockerfile.nats", "nats-server"},
	} {
		start := time.Now()
		id, built, err := buildImage(pool, im.tag, filepath.Join(root, im.dockerfile), filepath.Join(dir, im.binary))
		if err != nil {
			return fmt.Errorf("%s: %w", im.tag, err)
		}
		images.ids[im.tag] = id
		verb := "reused"
		if built {
			verb = "built"
		}
		images.log = append(images.log, fmt.Sprintf("%s %s: %v", verb, im.tag, time.Since(start).Round(time.Millisecond)))
	}
	return nil
}

// moduleRoot returns the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: not in a module")
	}
	return filepath.Dir(gomod), nil
}

// buildImage builds tag from a context holding the Dockerfile, the binary
// and an empty data/ directory, as scripts/image prepares it, unless tag
// already holds an image of the same context. It returns the image id and
// whether it built.
func buildImage(pool *dockertest.Pool, tag, dockerfile, binary string) (id string, built bool, err error) {
	df, err := os.ReadFile(dockerfile)
	if err != nil {
		return "", false, err
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return "", false, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", len(df))
	h.Write(df)
	h.Write(bin)
	sum := hex.EncodeToString(h.Sum(nil))
	if id, err := imageOf(pool, tag, sum); err == nil {
		return id, false, nil
	}
	var old string // the image the tag leaves, removed once unused
	if im, err := pool.Client.InspectImage(tag); err == nil {
		old = im.ID
	}

	var ctx bytes.Buffer
	tw := tar.NewWriter(&ctx)
	now := time.Now()
	files := []struct {
		name string
		mode int64
		body []byte
	}{
		{"Dockerfile", 0o644, df},
		{filepath.Base(binary), 0o755, bin},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), ModTime: now}); err != nil {
			return "", false, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return "", false, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "data/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: now}); err != nil {
		return "", false, err
	}
	if err := tw.Close(); err != nil {
		return "", false, err
	}
	var out bytes.Buffer
	err = pool.Client.BuildImage(dc.BuildImageOptions{
		Name:         tag,
		InputStream:  &ctx,
		OutputStream: &out,
		Labels: map[string]string{
			labelContext:                       sum,
			"org.opencontainers.image.version": "integration",
		},
		RmTmpContainer:      true,
		ForceRmTmpContainer: true,
	})
	if err != nil {
		return "", false, fmt.Errorf("docker build: %v\n%s", err, out.String())
	}
	id, err = imageOf(pool, tag, sum)
	if err == nil && old != "" && old != id {
		_ = pool.Client.RemoveImage(old) // fails, harmlessly, while a container uses it
	}
	return id, true, err
}

// imageOf returns the id of the image tagged tag if it was built from the
// context whose hash is sum.
func imageOf(pool *dockertest.Pool, tag, sum string) (string, error) {
	im, err := pool.Client.InspectImage(tag)
	if err != nil {
		return "", err
	}
	if im.Config == nil || im.Config.Labels[labelContext] != sum {
		return "", fmt.Errorf("image %s was not built from this tree (retagged by another run?)", tag)
	}
	return im.ID, nil
}
