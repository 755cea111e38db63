package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotReport draws one panel per kernel in a grid: GB/s (bytes read +
// written) against the float32 input size on a log axis, one line per
// implementation, Go's copy() dashed (the memory-bandwidth limit), the
// VDIVPS bound dotted where it applies, numpy on the round-trip panel, and
// the L1d, L2 and L3 sizes as vertical lines.
func plotReport(path string, r *report) error {
	var names []string
	for _, x := range r.Rows {
		if x.Kernel != copyName && !slices.Contains(names, x.Kernel) {
			names = append(names, x.Kernel)
		}
	}
	if len(names) == 0 {
		return nil
	}
	impls := append(append([]string{}, r.Impls...), numpyName)
	cols := min(3, len(names))
	rows := (len(names) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, name := range names {
		p, err := panel(r, name, impls)
		if err != nil {
			return err
		}
		plots[i/cols][i%cols] = p
	}
	w, h := vg.Length(cols)*4.2*vg.Inch, vg.Length(rows)*3.2*vg.Inch+0.5*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	// A title strip on top.
	title := fmt.Sprintf("quant kernels on %s — GB/s (read + written) vs input size; median of %d", r.CPU.Brand, r.Reps)
	tf := plot.DefaultFont
	tf.Size = vg.Points(13)
	dc.FillText(draw.TextStyle{Color: color.Black, Font: font.From(tf, tf.Size), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter},
		vg.Point{X: w / 2, Y: h - 0.3*vg.Inch}, title)
	body := draw.Crop(dc, 0, 0, 0, -0.5*vg.Inch)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, body)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	return writeFile(path, func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(wr)
		return err
	})
}

func panel(r *report, kernel string, impls []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = kernel
	p.X.Label.Text = "float32 input size (bytes)"
	p.Y.Label.Text = "GB/s (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = sizeTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Add(plotter.NewGrid())
	ymax, ymin := 0.0, math.Inf(1)
	var bytesPerElem float64
	addLine := func(label string, pts plotter.XYs, c color.Color, dashes []vg.Length, width vg.Length) error {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Dashes, l.Width = c, dashes, width
		p.Add(l)
		p.Legend.Add(label, l)
		return nil
	}
	for i, impl := range impls {
		var pts plotter.XYs
		for _, x := range r.Rows {
			if x.Kernel == kernel && x.Impl == impl {
				pts = append(pts, plotter.XY{X: float64(x.InputBytes), Y: x.GBPerSec})
				ymax, ymin = max(ymax, x.GBPerSec), min(ymin, x.GBPerSec)
				bytesPerElem = x.GBPerSec * 1e9 / x.ElemsPerSec
			}
		}
		if len(pts) == 0 {
			continue
		}
		if err := addLine(impl, pts, plotutil.Color(i), nil, vg.Points(2)); err != nil {
			return nil, err
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.Color = plotutil.Color(i)
		p.Add(s)
	}
	var cp plotter.XYs
	for _, x := range r.Rows {
		if x.Kernel == copyName {
			cp = append(cp, plotter.XY{X: float64(x.InputBytes), Y: x.GBPerSec})
			ymax, ymin = max(ymax, x.GBPerSec), min(ymin, x.GBPerSec)
		}
	}
	if len(cp) > 0 {
		if err := addLine("copy()", cp, color.Gray{Y: 90}, []vg.Length{vg.Points(5), vg.Points(3)}, vg.Points(1.5)); err != nil {
			return nil, err
		}
	}
	if r.DivBound > 0 && divides(kernel) && len(cp) > 0 {
		y := r.DivBound * bytesPerElem / 1e9
		ymax = max(ymax, y)
		pts := plotter.XYs{{X: cp[0].X, Y: y}, {X: cp[len(cp)-1].X, Y: y}}
		if err := addLine("VDIVPS bound", pts, color.RGBA{R: 200, A: 255}, []vg.Length{vg.Points(1), vg.Points(2)}, vg.Points(1.5)); err != nil {
			return nil, err
		}
	}
	p.Y.Min, p.Y.Max = ymin/2.5, ymax*15 // room for the legend on top
	// Cache sizes.
	for _, c := range []struct {
		name string
		b    int
	}{{"L1d", r.CPU.L1D}, {"L2", r.CPU.L2}, {"L3", r.CPU.L3}} {
		if c.b <= 0 || len(cp) == 0 || float64(c.b) < cp[0].X || float64(c.b) > cp[len(cp)-1].X {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: float64(c.b), Y: ymin / 2.5}, {X: float64(c.b), Y: ymax * 1.6}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = color.RGBA{B: 160, G: 120, A: 255}, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(c.b), Y: ymin / 2.2}}, Labels: []string{c.name}})
		if err != nil {
			return nil, err
		}
		p.Add(lb)
	}
	return p, nil
}

// divides reports whether the kernel divides once per element (the VDIVPS
// bound applies).
func divides(kernel string) bool {
	switch kernel {
	case "QuantizeU8", "QuantizeI8", "QuantError", roundTrip:
		return true
	}
	return false
}

// sizeTicks labels powers of 16 bytes (KiB, MiB) and marks the powers of
// 4 between them.
type sizeTicks struct{}

func (sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := 0; e <= 40; e += 2 {
		v := math.Ldexp(1, e)
		if v < lo || v > hi {
			continue
		}
		t := plot.Tick{Value: v}
		if e%4 == 2 {
			t.Label = sizeString(int(v))
		}
		ts = append(ts, t)
	}
	return ts
}
