package news

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
)

// Bounds on an uploaded image, checked on its header before any pixel is
// decoded: a small file may declare a huge canvas (a decompression bomb).
const (
	MaxImageSide   = 8000       // pixels, width or height
	MaxImagePixels = 16_000_000 // width × height (64 MB decoded as RGBA)
	MaxGIFFrames   = 200
)

// errNotImage is returned for data that no image decoder accepts.
var errNotImage = errors.New("is not a JPEG, PNG, GIF or WebP image")

// reencode decodes an uploaded image after checking its declared size and
// encodes it again, so only bytes we produced are ever served: whatever
// else the file held (metadata such as GPS positions, a second format in a
// polyglot, trailing data) is gone. JPEG stays JPEG, PNG stays PNG, GIF
// keeps its frames, WebP becomes PNG (Go has no WebP encoder).
func reencode(data []byte) ([]byte, string, error) {
	format := sniffImage(data)
	if format == "" {
		return nil, "", errNotImage
	}
	var (
		cfg image.Config
		err error
	)
	switch format {
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "image/png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "image/gif":
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case "image/webp":
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w (%v)", errNotImage, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, "", err
	}
	var out bytes.Buffer
	switch format {
	case "image/jpeg":
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("%w (%v)", errNotImage, err)
		}
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
		if err != nil {
			return nil, "", err
		}
	case "image/png", "image/webp":
		var img image.Image
		if format == "image/png" {
			img, err = png.Decode(bytes.NewReader(data))
		} else {
			img, err = webp.Decode(bytes.NewReader(data))
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w (%v)", errNotImage, err)
		}
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
			return nil, "", err
		}
		format = "image/png"
	case "image/gif":
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("%w (%v)", errNotImage, err)
		}
		if len(g.Image) > MaxGIFFrames {
			return nil, "", fmt.Errorf("has %d frames; at most %d are allowed", len(g.Image), MaxGIFFrames)
		}
		for _, fr := range g.Image {
			b := fr.Bounds()
			if !b.In(image.Rect(0, 0, g.Config.Width, g.Config.Height)) {
				return nil, "", fmt.Errorf("has a frame outside its canvas")
			}
		}
		if err := gif.EncodeAll(&out, g); err != nil {
			return nil, "", err
		}
	}
	return out.Bytes(), format, nil
}

func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("declares an empty canvas of %d×%d pixels", w, h)
	case w > MaxImageSide || h > MaxImageSide:
		return fmt.Errorf("is %d×%d pixels; each side may be at most %d", w, h, MaxImageSide)
	case int64(w)*int64(h) > MaxImagePixels:
		return fmt.Errorf("is %d×%d pixels; at most %d pixels are allowed", w, h, MaxImagePixels)
	}
	return nil
}
