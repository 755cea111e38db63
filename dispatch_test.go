package quant

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Dispatcher tests. The choice made at init depends on the environment
// (QUANT_KERNEL, GODEBUG), so those tests run this test binary again as a
// subprocess with TestHelperDispatch selected and read what it reports.

// helperEnv marks the subprocess run of TestHelperDispatch.
const helperEnv = "QUANT_TEST_DISPATCH_HELPER"

// TestHelperDispatch is the subprocess side of the dispatch tests: with
// QUANT_TEST_DISPATCH_HELPER=1 it prints the dispatcher's state as
// key=value lines; otherwise it returns at once.
func TestHelperDispatch(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	fmt.Printf("active=%s\n", Active().Name())
	fmt.Printf("selection=%s\n", Selection())
	for _, m := range Implementations() {
		fmt.Printf("impl=%s supported=%v\n", m.Name(), m.Supported())
	}
}

type helperResult struct {
	active, selection string
	supported         map[string]bool // by implementation name
	quantLines        []string        // stderr lines written by the package
	stderr            string
}

// runHelper runs TestHelperDispatch in a subprocess whose environment is
// ours without QUANT_KERNEL and GODEBUG, plus env.
func runHelper(t *testing.T, env ...string) helperResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDispatch$", "-test.count=1", "-test.v=false")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvKernel+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, helperEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(err, syscall.ENOEXEC) {
		// A cross-compiled binary run by a user-mode emulator (go test
		// -exec qemu-aarch64-static) without binfmt_misc: run the
		// subprocess under the same emulator.
		emu := "qemu-" + map[string]string{"arm64": "aarch64", "amd64": "x86_64"}[runtime.GOARCH] + "-static"
		path, lerr := exec.LookPath(emu)
		if lerr != nil {
			t.Skipf("cannot run the test binary as a subprocess (%v) and %s is not in PATH", err, emu)
		}
		ecmd := exec.Command(path, cmd.Args...)
		ecmd.Env = cmd.Env
		stdout.Reset()
		stderr.Reset()
		ecmd.Stdout, ecmd.Stderr = &stdout, &stderr
		err = ecmd.Run()
	}
	require.NoError(t, err, "helper env %v\nstdout:\n%s\nstderr:\n%s", env, stdout.String(), stderr.String())
	r := helperResult{supported: map[string]bool{}, stderr: stderr.String()}
	for _, line := range strings.Split(stdout.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "active="):
			r.active = strings.TrimPrefix(line, "active=")
		case strings.HasPrefix(line, "selection="):
			r.selection = strings.TrimPrefix(line, "selection=")
		case strings.HasPrefix(line, "impl="):
			var name string
			var sup bool
			_, err := fmt.Sscanf(line, "impl=%s supported=%t", &name, &sup)
			require.NoError(t, err, line)
			r.supported[name] = sup
		}
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "quant:") {
			r.quantLines = append(r.quantLines, line)
		}
	}
	require.NotEmpty(t, r.active, "helper printed no state; stdout:\n%s", stdout.String())
	return r
}

// best is the implementation chosen without QUANT_KERNEL: the last
// supported one in registration order.
func best() *Impl {
	s := Supported()
	return s[len(s)-1]
}

func TestDispatchDefault(t *testing.T) {
	r := runHelper(t)
	assert.Equal(t, best().Name(), r.active)
	assert.Equal(t, "best supported by this CPU", r.selection)
	assert.Empty(t, r.quantLines)
	r = runHelper(t, EnvKernel+"=")
	assert.Equal(t, best().Name(), r.active, "an empty QUANT_KERNEL means automatic")
	assert.Empty(t, r.quantLines)
}

func TestDispatchForceGeneric(t *testing.T) {
	r := runHelper(t, EnvKernel+"=generic")
	assert.Equal(t, "generic", r.active)
	assert.Contains(t, r.selection, EnvKernel)
	assert.Empty(t, r.quantLines, "a valid QUANT_KERNEL must not print anything")
}

// TestDispatchForceEach forces every registered implementation: a
// supported one is used, an unsupported one is reported on one stderr
// line and the best supported one is used instead.
func TestDispatchForceEach(t *testing.T) {
	for _, m := range Implementations() {
		t.Run(m.Name(), func(t *testing.T) {
			r := runHelper(t, EnvKernel+"="+m.Name())
			if m.Supported() {
				assert.Equal(t, m.Name(), r.active)
				assert.Empty(t, r.quantLines)
				return
			}
			assert.Equal(t, best().Name(), r.active)
			requireOneClearLine(t, r, m.Name())
		})
	}
}

func requireOneClearLine(t *testing.T, r helperResult, value string) {
	t.Helper()
	require.Len(t, r.quantLines, 1, "want exactly one line from the package on stderr, got:\n%s", r.stderr)
	line := r.quantLines[0]
	assert.Contains(t, line, EnvKernel)
	assert.Contains(t, line, fmt.Sprintf("%q", value))
	assert.Contains(t, line, "using "+r.active)
	assert.NotContains(t, r.stderr, "goroutine", "no stack trace")
}

func TestDispatchBogus(t *testing.T) {
	r := runHelper(t, EnvKernel+"=bogus")
	assert.Equal(t, best().Name(), r.active, "falls back to the best supported implementation")
	assert.Contains(t, r.selection, EnvKernel)
	requireOneClearLine(t, r, "bogus")
	assert.Contains(t, r.quantLines[0], "generic", "the message lists the implementations in this build")
}

// TestDispatchGODEBUG disables the SIMD feature the way a user would
// (GODEBUG=cpu.avx2=off on amd64, cpu.asimd=off on arm64): every
// non-generic implementation registered must become unsupported, generic
// must be chosen, and forcing any of them must be reported and fall back.
func TestDispatchGODEBUG(t *testing.T) {
	var godebug string
	switch runtime.GOARCH {
	case "amd64":
		godebug = "GODEBUG=cpu.avx2=off"
	case "arm64":
		godebug = "GODEBUG=cpu.asimd=off"
	default:
		t.Skipf("no SIMD implementation is written for %s", runtime.GOARCH)
	}
	r := runHelper(t, godebug)
	assert.Equal(t, "generic", r.active)
	require.Len(t, r.supported, len(Implementations()))
	for name, sup := range r.supported {
		assert.Equal(t, name == "generic", sup, "%s supported=%v under %s", name, sup, godebug)
	}
	for _, m := range Implementations() {
		if m.Name() == "generic" {
			continue
		}
		r := runHelper(t, godebug, EnvKernel+"="+m.Name())
		assert.Equal(t, "generic", r.active)
		requireOneClearLine(t, r, m.Name())
	}
}

func TestLookup(t *testing.T) {
	g, err := Lookup("generic")
	require.NoError(t, err)
	assert.Same(t, registry[0], g)
	for _, m := range Supported() {
		got, err := Lookup(m.Name())
		require.NoError(t, err)
		assert.Same(t, m, got)
	}
	_, err = Lookup("bogus")
	require.ErrorIs(t, err, ErrKernel)
	assert.Contains(t, err.Error(), `"bogus"`)
	_, err = Lookup("")
	require.ErrorIs(t, err, ErrKernel)

	// An implementation compiled in but not supported by this CPU.
	saved := registry
	t.Cleanup(func() { registry = saved })
	registry = append(slices.Clone(registry), &Impl{name: "fake", features: "FAKE512", supported: false, k: &genericKernels, workers: 1})
	_, err = Lookup("fake")
	require.ErrorIs(t, err, ErrKernel)
	assert.Contains(t, err.Error(), "FAKE512", "the error names the missing feature")
	assert.NotContains(t, Supported(), registry[len(registry)-1])
	assert.Contains(t, Implementations(), registry[len(registry)-1])
}

// TestPackageFunctionsUseActive: the package-level functions run Active.
func TestPackageFunctionsUseActive(t *testing.T) {
	src := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		0.5, 1.5, 2.5, -2.5, 1e-40, 300, -300, 3.7, 0.0213 * 37.5}
	dst, want := make([]uint8, len(src)), make([]uint8, len(src))
	p := Params{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255}
	QuantizeU8(dst, src, p)
	Active().QuantizeU8(want, src, p)
	assert.Equal(t, want, dst)
}

func TestImplementationsConsistent(t *testing.T) {
	all, sup := Implementations(), Supported()
	require.NotEmpty(t, all)
	assert.Equal(t, "generic", all[0].Name(), "generic is first")
	assert.Equal(t, "generic", sup[0].Name())
	assert.True(t, all[0].Supported())
	var want []*Impl
	names := map[string]bool{}
	for _, m := range all {
		assert.NotEmpty(t, m.Name())
		assert.NotEmpty(t, m.Features())
		assert.False(t, names[m.Name()], "duplicate implementation name %q", m.Name())
		names[m.Name()] = true
		if m.Supported() {
			want = append(want, m)
		}
	}
	assert.Equal(t, want, sup, "Supported is Implementations filtered, in order")
	assert.Contains(t, sup, Active())
	// The returned slices are copies.
	all[0] = nil
	assert.NotNil(t, Implementations()[0])
}

// TestKernelTablesComplete: after complete, no kernel of any registered
// implementation (or of a table with every field left nil) is nil, so a
// field added to kernels but forgotten in complete is caught.
func TestKernelTablesComplete(t *testing.T) {
	tables := map[string]*kernels{"empty": func() *kernels { k := kernels{}.complete(); return &k }()}
	for _, m := range Implementations() {
		tables[m.Name()] = m.k
	}
	for name, k := range tables {
		v := reflect.ValueOf(k).Elem()
		for i := range v.NumField() {
			assert.False(t, v.Field(i).IsNil(), "%s: kernel %s is nil", name, v.Type().Field(i).Name)
		}
	}
}

// TestRegistryOrder: the registry lists the implementations in order of
// preference (choose takes the last supported one), whatever the build.
func TestRegistryOrder(t *testing.T) {
	rank := map[string]int{"generic": 0, "avx2": 1, "neon": 1, "avx512": 2}
	for i := 1; i < len(registry); i++ {
		a, b := registry[i-1].Name(), registry[i].Name()
		assert.Less(t, rank[a], rank[b], "%s registered before %s", a, b)
	}
}
