package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"unicode/utf8"
)

// Outputs. Each output is written to a temporary file in its target's
// directory and renamed into place only when every output of the command
// is complete, so that a failing command changes no existing file:
//
//   - A target that exists must be a regular file (or a symlink to one:
//     the file it points to is replaced and the link kept). A directory,
//     FIFO, device or socket is refused before anything is read.
//   - A target that is the same file as an input (also through a symlink
//     or a hard link) is refused.
//   - A new file gets mode 0666 minus the umask; a replaced file keeps its
//     permission bits.
//   - Temporary names are "." + the target's name (cut to 200 bytes) +
//     ".tmp" + a random number, so they fit the 255-byte name limit
//     whenever the target's name does.
//   - With several outputs (quantize's OUT.npy and OUT.npy.json), every
//     target replaced before the last one is first hard-linked (or copied)
//     to a backup; if a later rename fails, the earlier targets are
//     restored from their backups (or removed if they did not exist).

// output is one file a command writes.
type output struct {
	path   string      // as given, for messages
	target string      // the path renamed onto (symlinks resolved)
	fi     fs.FileInfo // the existing target, or nil
	tmp    string      // the temporary file, once staged
	bak    string      // the backup of the existing target, during commit
}

// state of the outputs, shared with the interrupt handler.
var outputs = struct {
	sync.Mutex
	names     map[string]bool // temporary and backup files to remove on interrupt
	committed bool            // every output is in place: an interrupt changes nothing
}{names: map[string]bool{}}

func track(name string, on bool) {
	if on {
		outputs.names[name] = true
	} else {
		delete(outputs.names, name)
	}
}

// interrupted removes every temporary file and reports whether the
// command may be stopped (false once the outputs have been committed: the
// command then finishes normally). It waits for a commit in progress,
// which either completes or restores every target.
func interrupted() bool {
	outputs.Lock()
	defer outputs.Unlock()
	if outputs.committed {
		return false
	}
	for n := range outputs.names {
		os.Remove(n)
	}
	return true
}

// planOutput checks an output path before the command does any work: it
// must not be an existing non-regular file nor the same file as one of
// the inputs.
func planOutput(path string, inputs ...*input) (*output, error) {
	o := &output{path: path, target: path}
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		if !fi.Mode().IsRegular() {
			return nil, fileErr(path, "exists and is %s: the output must be a new or a regular file", kindOf(fi.Mode()))
		}
		for _, in := range inputs {
			if in != nil && os.SameFile(fi, in.fi) {
				return nil, fileErr(path, "is the same file as the input %s: write the output to another file", in.path)
			}
		}
		if o.target, err = filepath.EvalSymlinks(path); err != nil {
			return nil, osErr(path, err)
		}
		o.fi = fi
	case errors.Is(err, fs.ErrNotExist):
		if lfi, lerr := os.Lstat(path); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			return nil, fileErr(path, "is a symlink to a missing file: give the file itself as the output")
		}
	default:
		return nil, fileErr(path, "cannot write output: %v", unwrapPath(err))
	}
	return o, nil
}

// tempName is a hidden name next to target for a temporary (kind "tmp")
// or backup ("bak") file; it fits 255 bytes when target's name does.
func tempName(target, kind string) string {
	base := filepath.Base(target)
	if len(base) > 200 {
		base = base[:200]
		for len(base) > 0 && !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
	}
	return filepath.Join(filepath.Dir(target), fmt.Sprintf(".%s.%s%d", base, kind, rand.Uint32()))
}

// createExcl creates a new file under a fresh temporary name; perm is
// reduced by the umask.
func createExcl(target, kind string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := tempName(target, kind)
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil {
			track(name, true)
		}
		return f, err
	}
	return nil, errors.New("no free temporary name")
}

// stage writes the output to its temporary file through write.
func (o *output) stage(write func(w io.Writer) error) error {
	outputs.Lock()
	perm := fs.FileMode(0o666) // a new file: the umask applies
	if o.fi != nil {
		perm = 0o600 // replacing: the target's mode is set below
	}
	f, err := createExcl(o.target, "tmp", perm)
	outputs.Unlock()
	if err != nil {
		return fileErr(o.path, "cannot create output: %v", unwrapPath(err))
	}
	o.tmp = f.Name()
	err = func() error {
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if o.fi != nil {
			if err := f.Chmod(o.fi.Mode().Perm()); err != nil {
				return err
			}
		}
		return f.Close()
	}()
	if err != nil {
		f.Close()
		o.discard()
		var fe *fileError
		if errors.As(err, &fe) { // an input's error
			return err
		}
		return fileErr(o.path, "writing: %v", unwrapPath(err))
	}
	return nil
}

// discard removes the temporary file.
func (o *output) discard() {
	outputs.Lock()
	defer outputs.Unlock()
	if o.tmp != "" {
		os.Remove(o.tmp)
		track(o.tmp, false)
		o.tmp = ""
	}
}

func discardAll(outs []*output) {
	for _, o := range outs {
		o.discard()
	}
}

// backup makes o.bak a second name (hard link) or copy of the existing
// target.
func (o *output) backup() error {
	name := tempName(o.target, "bak")
	if err := os.Link(o.target, name); err == nil {
		o.bak = name
		track(name, true)
		return nil
	}
	src, err := os.Open(o.target)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := createExcl(o.target, "bak", 0o600)
	if err != nil {
		return err
	}
	o.bak = dst.Name()
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Chmod(o.fi.Mode().Perm())
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

// commitAll renames the staged outputs into place in order, all or
// nothing (see the comment at the top of the file).
func commitAll(outs ...*output) error {
	outputs.Lock()
	defer outputs.Unlock()
	cleanup := func() {
		for _, o := range outs {
			for _, n := range []string{o.tmp, o.bak} {
				if n != "" {
					os.Remove(n)
					track(n, false)
				}
			}
			o.tmp, o.bak = "", ""
		}
	}
	defer cleanup()
	for _, o := range outs[:len(outs)-1] {
		if o.fi != nil {
			if err := o.backup(); err != nil {
				return fileErr(o.path, "cannot keep a backup while replacing it: %v", unwrapPath(err))
			}
		}
	}
	for i, o := range outs {
		if err := os.Rename(o.tmp, o.target); err != nil {
			err = fileErr(o.path, "renaming into place: %v", unwrapPath(err))
			for _, p := range outs[:i] { // restore what was replaced
				var rerr error
				if p.fi != nil {
					rerr = os.Rename(p.bak, p.target)
					p.bak = ""
				} else {
					rerr = os.Remove(p.target)
				}
				if rerr != nil {
					return fmt.Errorf("%w; and restoring %s failed: %v", err, p.path, unwrapPath(rerr))
				}
			}
			return err
		}
		track(o.tmp, false)
		o.tmp = ""
	}
	outputs.committed = true
	return nil
}
