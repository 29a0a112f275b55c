package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

// picture is w×h, left half red, right half blue.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{200, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 200, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is a valid 1×1 PNG whose header says w×h.
func bombPNG(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data := encodePNG(t, picture(1, 1))
	ihdr := data[8+8 : 8+8+13] // after the signature, length and type
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	binary.BigEndian.PutUint32(data[8+8+13:], crc32.ChecksumIEEE(data[8+4:8+8+13]))
	return data
}

func TestNormalizeMakesASquareJPEG(t *testing.T) {
	var gifBuf, jpegBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, picture(300, 200), nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpegBuf, picture(640, 480), nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"png":      encodePNG(t, picture(400, 300)),
		"tiny png": encodePNG(t, picture(3, 5)),
		"gif":      gifBuf.Bytes(),
		"jpeg":     jpegBuf.Bytes(),
	} {
		out, err := Normalize(t.Context(), data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: the result is not a JPEG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != Size || b.Dy() != Size {
			t.Errorf("%s: %v, want %d×%d", name, b, Size, Size)
		}
	}
}

func TestNormalizeRefusesWhatIsNotAnImage(t *testing.T) {
	good := encodePNG(t, picture(50, 50))
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"empty":       {nil, ErrEmpty},
		"text":        {[]byte("hello, this is not a picture\n"), ErrFormat},
		"svg":         {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), ErrFormat},
		"html":        {[]byte("<!DOCTYPE html><html><body>hi</body></html>"), ErrFormat},
		"truncated":   {good[:len(good)/2], ErrDamaged},
		"header only": {good[:40], ErrDamaged},
		"bomb":        {bombPNG(t, 20000, 20000), ErrTooManyPixels},
		"too large":   {append(bytes.Clone(good), make([]byte, MaxBytes)...), ErrTooLarge},
	} {
		start := time.Now()
		if _, err := Normalize(t.Context(), tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if d := time.Since(start); name == "bomb" && d > time.Second {
			t.Errorf("refusing the bomb took %v: it was decoded", d)
		}
	}
}

func TestReadBoundsTheFile(t *testing.T) {
	if _, err := Read(bytes.NewReader(make([]byte, MaxBytes+1))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the limit: %v", err)
	}
	if data, err := Read(bytes.NewReader(make([]byte, MaxBytes))); err != nil || len(data) != MaxBytes {
		t.Errorf("a file at the limit: %d bytes, %v", len(data), err)
	}
	if _, err := Read(bytes.NewReader(nil)); !errors.Is(err, ErrEmpty) {
		t.Errorf("no file: %v", err)
	}
}

// A phone's picture, stored sideways with Orientation 6, comes out upright:
// its left half (red) is on top once turned clockwise.
func TestNormalizeTurnsAJPEGByItsOrientation(t *testing.T) {
	var raw bytes.Buffer
	if err := jpeg.Encode(&raw, picture(Size, Size), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// An APP1 segment with a big-endian TIFF header and one IFD0 entry.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := append([]byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}, seg...)
	data := append(append([]byte{0xFF, 0xD8}, app1...), raw.Bytes()[2:]...)
	if o := exifOrientation(data); o != 6 {
		t.Fatalf("orientation %d, want 6", o)
	}
	out, err := Normalize(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := jpeg.Decode(bytes.NewReader(out))
	top := color.RGBAModel.Convert(img.At(Size/2, 10)).(color.RGBA)
	bottom := color.RGBAModel.Convert(img.At(Size/2, Size-10)).(color.RGBA)
	if top.R < 150 || top.B > 60 || bottom.B < 150 || bottom.R > 60 {
		t.Errorf("top %v, bottom %v: want red above blue", top, bottom)
	}
	// The EXIF block is gone.
	if bytes.Contains(out, []byte("Exif")) {
		t.Error("the photo kept its EXIF block")
	}
}

func TestNormalizeIsQuickOnALargePicture(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes a large picture")
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(4000, 3000), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Normalize(t.Context(), b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 12-megapixel picture took %v", d)
	}
	t.Logf("12 megapixels in %v", time.Since(start))
}

// FuzzNormalize: whatever bytes arrive, Normalize answers with a photo or
// one of its errors, never a panic, and a photo is always a Size×Size JPEG.
func FuzzNormalize(f *testing.F) {
	var g, j bytes.Buffer
	_ = gif.Encode(&g, picture(20, 10), nil)
	_ = jpeg.Encode(&j, picture(10, 20), nil)
	for _, seed := range [][]byte{g.Bytes(), j.Bytes(), bombPNG(f, 1, 1), bombPNG(f, 70000, 70000), []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), []byte("GIF89a"), {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Normalize(t.Context(), data)
		if err != nil {
			return
		}
		img, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil || img.Bounds().Dx() != Size || img.Bounds().Dy() != Size {
			t.Fatalf("a photo that is not a %d px JPEG: %v", Size, err)
		}
	})
}
