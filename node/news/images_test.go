package news

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// pngChunk returns one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// BombPNG is a tiny PNG whose header declares a 65535×65535 canvas.
func BombPNG() []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 65535)
	binary.BigEndian.PutUint32(ihdr[4:], 65535)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

func realPNG(t *testing.T, extra ...[]byte) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	if len(extra) > 0 { // insert chunks before IEND (the last 12 bytes)
		end := append([]byte{}, out[len(out)-12:]...)
		out = out[:len(out)-12]
		for _, c := range extra {
			out = append(out, c...)
		}
		out = append(out, end...)
	}
	return out
}

func TestReencodeRefusesBombsAndJunk(t *testing.T) {
	bomb := BombPNG()
	if len(bomb) > 100 {
		t.Fatalf("bomb is %d bytes, want a tiny file", len(bomb))
	}
	for _, tt := range []struct {
		name, want string
		data       []byte
	}{
		{"PNG declaring 65535×65535", "65535×65535", bomb},
		{"magic bytes only", "is not a JPEG", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)},
		{"HTML", "is not a JPEG", []byte("<html><script>alert(1)</script></html>")},
		{"truncated PNG", "is not a JPEG", realPNG(t)[:40]},
	} {
		_, _, err := reencode(tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("reencode(%s) error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

// A PNG/HTML polyglot and a JPEG with metadata come back as bytes of our
// own: the HTML and the metadata are gone, the picture is the same.
func TestReencodeKeepsOnlyThePicture(t *testing.T) {
	html := []byte("<html><body><script>alert(document.cookie)</script></body></html>")
	poly := append(realPNG(t, pngChunk("tEXt", append([]byte("Comment\x00"), html...))), html...)
	out, mt, err := reencode(poly)
	if err != nil || mt != "image/png" {
		t.Fatalf("reencode(polyglot) = %s, %v", mt, err)
	}
	if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("Comment")) {
		t.Error("re-encoded polyglot still holds its HTML or text chunk")
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds().Dx() != 3 || got.Bounds().Dy() != 2 {
		t.Fatalf("re-encoded PNG = %v, %v", got.Bounds(), err)
	}
	if r, _, _, _ := got.At(1, 1).RGBA(); r>>8 != 200 {
		t.Errorf("pixel (1,1) red = %d, want 200", r>>8)
	}

	// A JPEG with an APP1 (Exif, e.g. a GPS position) segment.
	var j bytes.Buffer
	if err := jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	exif := []byte("Exif\x00\x00GPS 48.8566N 2.3522E")
	seg := append([]byte{0xff, 0xe1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	withExif := append(append(append([]byte{}, j.Bytes()[:2]...), seg...), j.Bytes()[2:]...)
	if _, err := jpeg.Decode(bytes.NewReader(withExif)); err != nil {
		t.Fatalf("test JPEG with Exif does not decode: %v", err)
	}
	out, mt, err = reencode(withExif)
	if err != nil || mt != "image/jpeg" {
		t.Fatalf("reencode(JPEG with Exif) = %s, %v", mt, err)
	}
	if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("GPS")) {
		t.Error("re-encoded JPEG still holds its Exif segment")
	}
}
