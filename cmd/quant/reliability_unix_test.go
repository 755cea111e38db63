//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Class 2: a FIFO as -o is refused (not replaced, not blocked on).
func TestReliabilityFIFOOutput(t *testing.T) {
	dir := goodDir(t)
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "f.npy"), 0o644))
	before := snapshot(t, dir)
	requireFailed(t, quantTimeout(t, dir, 20*time.Second, "quantize", "-o", "f.npy", "w.npy"), "f.npy", "FIFO")
	requireFailed(t, quantTimeout(t, dir, 20*time.Second, "dequantize", "-o", "f.npy", "q.npy"), "f.npy", "FIFO")
	require.Equal(t, before, snapshot(t, dir))
}

// withUmask runs f with the process umask set to m (the binary inherits it).
func withUmask(m int, f func()) {
	old := syscall.Umask(m)
	defer syscall.Umask(old)
	f()
}

// Class 6: new files honour the umask; replaced files keep their mode.
func TestReliabilityPermissions(t *testing.T) {
	dir := goodDir(t)
	mode := func(name string) os.FileMode {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		return fi.Mode().Perm()
	}
	withUmask(0o077, func() {
		r := quantCmd(t, dir, "quantize", "-o", "a.npy", "w.npy")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, os.FileMode(0o600), mode("a.npy"))
		require.Equal(t, os.FileMode(0o600), mode("a.npy.json"))
	})
	withUmask(0o002, func() {
		r := quantCmd(t, dir, "dequantize", "-o", "b.npy", "q.npy")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, os.FileMode(0o664), mode("b.npy"))
	})
	withUmask(0o022, func() {
		require.NoError(t, os.Chmod(filepath.Join(dir, "a.npy"), 0o640))
		require.NoError(t, os.Chmod(filepath.Join(dir, "a.npy.json"), 0o604))
		require.NoError(t, os.Chmod(filepath.Join(dir, "b.npy"), 0o600))
		r := quantCmd(t, dir, "quantize", "-o", "a.npy", "w.npy")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, os.FileMode(0o640), mode("a.npy"))
		require.Equal(t, os.FileMode(0o604), mode("a.npy.json"))
		r = quantCmd(t, dir, "dequantize", "-o", "b.npy", "q.npy")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, os.FileMode(0o600), mode("b.npy"))
	})
}

// Class 9: non-regular inputs are refused at once: a symlink to /dev/zero
// (never ends), a FIFO (would block), a directory.
func TestReliabilityNonRegularInput(t *testing.T) {
	dir := goodDir(t)
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.npy")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.safetensors")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.json")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.npy"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir.npy"), 0o755))
	before := snapshot(t, dir)
	for _, args := range [][]string{
		{"calibrate", "zero.npy"}, {"report", "zero.safetensors"}, {"quantize", "-o", "o.npy", "zero.npy"},
		{"dequantize", "-o", "o.npy", "zero.npy"}, {"dequantize", "-o", "o.npy", "-params", "zero.json", "q.npy"},
		{"quantize", "-o", "o.npy", "-params", "zero.json", "w.npy"},
		{"calibrate", "fifo.npy"}, {"quantize", "-o", "o.npy", "fifo.npy"}, {"report", "dir.npy"},
	} {
		r := quantTimeout(t, dir, 20*time.Second, args...)
		requireFailed(t, r, "", "not a regular file")
		require.Equal(t, before, snapshot(t, dir), "%v", args)
	}
}

// An interrupt at any moment leaves either the old outputs (exit 1) or the
// complete new ones (exit 0), and no temporary or backup file.
func TestReliabilityInterrupt(t *testing.T) {
	dir := goodDir(t)
	x := make([]float32, 1<<22)
	for i := range x {
		x[i] = float32(i%1000) - 500
	}
	writeNpyFile(t, filepath.Join(dir, "big.npy"), x, []int{2048, len(x) / 2048})
	before := snapshot(t, dir)
	for _, delay := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond} {
		cmd := exec.Command(bin, "quantize", "-o", "q.npy", "big.npy")
		cmd.Dir = dir
		require.NoError(t, cmd.Start())
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		after := snapshot(t, dir)
		for name := range after {
			require.False(t, strings.HasPrefix(name, "."), "left behind: %s", name)
		}
		t.Logf("delay %v: %v", delay, err)
		if err != nil { // interrupted: nothing changed
			require.Equal(t, before, after, "delay %v", delay)
			continue
		}
		q := readNpyT(t, filepath.Join(dir, "q.npy")) // finished: complete outputs
		require.Len(t, q.U8, len(x))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "q.npy"), []byte(before["q.npy"][11:]), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "q.npy.json"), []byte(before["q.npy.json"][11:]), 0o644))
		require.Equal(t, before, snapshot(t, dir))
	}
}
