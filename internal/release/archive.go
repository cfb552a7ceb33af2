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

// manDir is where an archive holds the manual pages, which the release
// writes from the help (internal/manpage), as make man does.
const manDir = "man"

// entry is a file of an archive: where it is read from, its name in the
// archive and its mode.
type entry struct {
	src, name string
	mode      os.FileMode
}

// archive packs the binary, the included files and the manual pages
// (pages): a zip for Windows, a gzipped tar elsewhere, each entry with
// the commit's time, no owner, and modes 0755 and 0644, so that the
// bytes depend on nothing but the commit.
func (r *release) archive(goos, goarch, bin string, pages []string) (string, error) {
	base := r.name(goos + "_" + goarch)
	entries := []entry{{bin, filepath.Base(bin), 0o755}}
	for _, src := range included {
		entries = append(entries, entry{src, filepath.Base(src), 0o644})
	}
	for _, src := range pages {
		entries = append(entries, entry{src, manDir + "/" + filepath.Base(src), 0o644})
	}
	if goos == "windows" {
		return base + ".zip", r.writeZip(filepath.Join(r.out, base+".zip"), entries)
	}
	return base + ".tar.gz", r.writeTarGz(filepath.Join(r.out, base+".tar.gz"), entries)
}

func (r *release) writeTarGz(path string, entries []entry) error {
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
	for _, e := range entries {
		data, err := os.ReadFile(e.src)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: e.name, Mode: int64(e.mode), Size: int64(len(data)), ModTime: r.when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
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

func (r *release) writeZip(path string, entries []entry) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range entries {
		in, err := os.Open(e.src)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: r.when}
		hdr.SetMode(e.mode)
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
