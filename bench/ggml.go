package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"text/tabwriter"

	"github.com/quantkernel/quant/ggml"
)

// ggmlTypes are the block types the ggml section times.
var ggmlTypes = []ggml.Type{ggml.Q8_0, ggml.Q8_1, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.Q8_K}

// ggmlPeer is ggml itself (libggml-base.so, loaded by ggmlpeer), or nil.
type ggmlPeer interface {
	Quantize(t ggml.Type, dst []byte, src []float32)
	HasDequantize(t ggml.Type) bool
	Dequantize(t ggml.Type, dst []float32, src []byte)
	HasQ8_0X86() bool
	QuantizeQ8_0X86(dst []byte, src []float32)
}

// ggmlRow is one operation of package ggml next to ggml's own function on
// the same data, timed in the same run. Peer figures are 0 where ggml has
// no such function or was not loaded.
type ggmlRow struct {
	Type      string  `json:"type"`
	Op        string  `json:"op"`   // quantize, quantize rows (P cores), dequantize
	Peer      string  `json:"peer"` // ggml's function it is compared with
	N         int     `json:"elements"`
	GoPerSec  float64 `json:"go_elements_per_sec"`
	PeerPerSe float64 `json:"ggml_elements_per_sec,omitempty"`
	X         float64 `json:"x_ggml,omitempty"`
	// BitExact: the Go output equals the peer's on this data (quantize:
	// the bytes of quantize_row_<type>_ref; dequantize: the float bits).
	BitExact *bool `json:"bit_exact,omitempty"`
}

// ggmlData is weights-like input: normal with σ = 0.02, a few outliers,
// fixed seed.
func ggmlData(n int) []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 0.02)
		if r.IntN(1000) == 0 {
			x[i] *= 20
		}
	}
	return x
}

// benchGGML times package ggml's Quantize, QuantizeRows (every core; the
// k-quants) and Dequantize per type on n elements (whatever they dispatch
// to), each next to ggml's quantize_row_<type>_ref and
// dequantize_row_<type> when peer is not nil, and Q8_0 also next to
// libggml-cpu-haswell.so's AVX2 quantize_row_q8_0 (not bit-exact with the
// reference: see ggml.QuantizeQ8_0X86).
func benchGGML(peer ggmlPeer, n int, meas func(func()) float64, progress func(string, int, float64)) []ggmlRow {
	n = max(256, n/256*256)
	x := ggmlData(n)
	y := make([]float32, n)
	var rows []ggmlRow
	procs := runtime.GOMAXPROCS(0)
	for _, t := range ggmlTypes {
		if !t.Supported() {
			continue
		}
		q := make([]byte, t.RowSize(n))
		pq := make([]byte, len(q))
		if err := ggml.Quantize(t, q, x); err != nil {
			panic(err)
		}
		add := func(op, peerName string, goSec float64, peerSec float64, exact *bool) {
			r := ggmlRow{Type: t.String(), Op: op, Peer: peerName, N: n, GoPerSec: float64(n) / goSec, BitExact: exact}
			if peerSec > 0 {
				r.PeerPerSe = float64(n) / peerSec
				r.X = r.GoPerSec / r.PeerPerSe
			}
			rows = append(rows, r)
			progress("ggml "+op+" "+t.String(), n, goSec)
		}
		goSec := meas(func() { _ = ggml.Quantize(t, q, x) })
		var peerSec float64
		var exact *bool
		if peer != nil {
			peerSec = meas(func() { peer.Quantize(t, pq, x) })
			e := bytes.Equal(q, pq)
			exact = &e
		}
		add("quantize", "quantize_row_"+t.String()+"_ref", goSec, peerSec, exact)
		if t.BlockSize() == 256 && procs > 1 {
			rowsSec := meas(func() { _ = ggml.QuantizeRows(t, q, x, 4096, 0) })
			add(fmt.Sprintf("quantize rows (%d cores)", procs), "quantize_row_"+t.String()+"_ref", rowsSec, peerSec, nil)
		}
		if t == ggml.Q8_0 && peer != nil && peer.HasQ8_0X86() {
			x86Sec := meas(func() { peer.QuantizeQ8_0X86(pq, x) })
			add("quantize", "quantize_row_q8_0 (AVX2)", goSec, x86Sec, nil)
		}
		goSec = meas(func() { _ = ggml.Dequantize(t, y, q) })
		peerSec, exact = 0, nil
		if peer != nil && peer.HasDequantize(t) {
			py := make([]float32, n)
			peerSec = meas(func() { peer.Dequantize(t, py, q) })
			e := sameBits(y, py)
			exact = &e
		}
		add("dequantize", "dequantize_row_"+t.String(), goSec, peerSec, exact)
	}
	return rows
}

func sameBits(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] && (a[i] == a[i] || b[i] == b[i]) {
			return false
		}
	}
	return true
}

func printGGML(w io.Writer, r *report) {
	fmt.Fprintf(w, "\nggml block formats: package ggml against %s\n", r.GGMLPeer)
	if len(r.GGML) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\top\telements\tgo Melem/s\tggml function\tggml Melem/s\t× ggml\tbit-exact\t")
	for _, x := range r.GGML {
		exact := "-"
		if x.BitExact != nil {
			exact = map[bool]string{true: "yes", false: "NO"}[*x.BitExact]
		}
		peerRate := "-"
		if x.PeerPerSe > 0 {
			peerRate = fmt.Sprintf("%.1f", x.PeerPerSe/1e6)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t\n", x.Type, x.Op, x.N, x.GoPerSec/1e6, x.Peer, peerRate, ratio(x.X, "%.2f"), exact)
	}
	tw.Flush()
}
