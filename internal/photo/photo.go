// Package photo turns an uploaded (or fetched) picture into Hearth's profile
// photo: a Size×Size JPEG, centre-cropped, re-encoded on the server so that
// nothing of the original file (EXIF with its GPS position, comments,
// trailing bytes, a script in disguise) survives. It accepts PNG, JPEG, GIF
// (the first frame) and WebP, recognised by their content, never by a file
// name or a declared type; SVG and everything else are refused. The pixel
// count is checked from the header before anything is decoded, so a small
// file that claims 20000×20000 pixels (a decompression bomb) costs nothing.
package photo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits.
const (
	MaxBytes  = 5 << 20    // the largest file accepted
	MaxPixels = 30_000_000 // width × height, checked before decoding
	Size      = 256        // the stored photo's width and height
	// ContentType is what Normalize returns.
	ContentType = "image/jpeg"
	jpegQuality = 85
)

// Errors, each something the person can fix by choosing another file.
var (
	ErrEmpty         = errors.New("photo: the file is empty")
	ErrTooLarge      = errors.New("photo: the file is larger than the limit")
	ErrFormat        = errors.New("photo: not a PNG, JPEG, GIF or WebP image")
	ErrTooManyPixels = errors.New("photo: the image has too many pixels")
	ErrDamaged       = errors.New("photo: the image is damaged or incomplete")
)

// decodeSlots bounds how many images are decoded at once: a decoded image
// of MaxPixels takes up to 120 MB.
var decodeSlots = make(chan struct{}, 2)

// Read reads at most MaxBytes from r: ErrTooLarge past that, ErrEmpty for
// nothing at all.
func Read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	switch {
	case err != nil:
		return nil, err
	case len(data) > MaxBytes:
		return nil, ErrTooLarge
	case len(data) == 0:
		return nil, ErrEmpty
	}
	return data, nil
}

// format is one accepted image format, named as http.DetectContentType
// names it.
type format struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var formats = map[string]format{
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/gif":  {gif.DecodeConfig, gif.Decode}, // gif.Decode reads the first frame only
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// Normalize checks data and returns the profile photo made from it: a
// Size×Size JPEG of its centre square, transparent parts on white, turned
// upright by a JPEG's EXIF orientation.
func Normalize(ctx context.Context, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	if len(data) > MaxBytes {
		return nil, ErrTooLarge
	}
	kind := http.DetectContentType(data)
	f, ok := formats[kind]
	if !ok {
		return nil, ErrFormat
	}
	cfg, err := f.config(bytes.NewReader(data))
	if err != nil {
		return nil, ErrDamaged
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrDamaged
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, ErrTooManyPixels
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-decodeSlots }()
	src, err := f.decode(bytes.NewReader(data))
	if err != nil {
		return nil, ErrDamaged
	}
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return nil, ErrDamaged
	}
	dst := square(src)
	if kind == "image/jpeg" {
		dst = orient(dst, exifOrientation(data))
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("photo: encode: %w", err)
	}
	return out.Bytes(), nil
}

// square scales the centre square of src to Size×Size, over white.
func square(src image.Image) *image.RGBA {
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
	crop := image.Rect(x0, y0, x0+side, y0+side)
	// A large picture is first brought near the final size cheaply, so the
	// good filter runs on few pixels.
	if side > 4*Size {
		mid := image.NewRGBA(image.Rect(0, 0, 4*Size, 4*Size))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, crop, draw.Src, nil)
		src, crop = mid, mid.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, Size, Size))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Over, nil)
	return dst
}
