package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
)

// included are the files every archive holds beside the binary.
var included = []string{"README.md", "CHANGELOG.md"}

// archive packs the binary and the included files: a zip for Windows, a
// gzipped tar elsewhere, each entry with the commit's time, no owner, and
// modes 0755 and 0644, so that the bytes depend on nothing but the
// commit.
func (r *release) archive(goos, goarch, bin string) (string, error) {
	base := r.name(goos + "_" + goarch)
	entries := []string{bin}
	entries = append(entries, included...)
	if goos == "windows" {
		return base + ".zip", r.writeZip(filepath.Join(r.out, base+".zip"), entries)
	}
	return base + ".tar.gz", r.writeTarGz(filepath.Join(r.out, base+".tar.gz"), entries)
}

func (r *release) writeTarGz(path string, entries []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for i, src := range entries {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if i == 0 {
			mode = 0o755
		}
		hdr := &tar.Header{Name: filepath.Base(src), Mode: mode, Size: int64(len(data)), ModTime: r.when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

func (r *release) writeZip(path string, entries []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for i, src := range entries {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: filepath.Base(src), Method: zip.Deflate, Modified: r.when}
		mode := os.FileMode(0o644)
		if i == 0 {
			mode = 0o755
		}
		hdr.SetMode(mode)
		w, err := zw.CreateHeader(hdr)
		if err == nil {
			_, err = io.Copy(w, in)
		}
		in.Close()
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
