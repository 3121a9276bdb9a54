package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// The files of a data directory.
const (
	dbFile       = "etoiles.db"
	tokenKeyFile = "token-ed25519.pem"
	lockFile     = "serve.lock"
	natsDir      = "jetstream"
	inboxFile    = sqlite.InboxFile
)

// dataLock is an exclusive lock on a data directory, held by serve for
// its whole life so that a second instance fails fast instead of sharing
// the database and JetStream store.
type dataLock struct{ f *os.File }

// lockDataDir creates dir if needed and takes its lock.
func lockDataDir(dir string) (*dataLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(b))
			if pid != "" {
				pid = " (pid " + pid + ")"
			}
			return nil, fmt.Errorf("data directory %s is in use by another etoiles serve%s", dir, pid)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &dataLock{f: f}, nil
}

// Release drops the lock.
func (l *dataLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}
