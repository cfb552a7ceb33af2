package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The CycloneDX 1.5 JSON an SBOM is written in: the fields this release
// fills, as the specification names them.
type (
	cdxBOM struct {
		BOMFormat    string         `json:"bomFormat"`
		SpecVersion  string         `json:"specVersion"`
		SerialNumber string         `json:"serialNumber"`
		Version      int            `json:"version"`
		Metadata     cdxMetadata    `json:"metadata"`
		Components   []cdxComponent `json:"components"`
	}
	cdxMetadata struct {
		Timestamp string       `json:"timestamp"`
		Component cdxComponent `json:"component"`
	}
	cdxComponent struct {
		Type       string        `json:"type"`
		BOMRef     string        `json:"bom-ref"`
		Name       string        `json:"name"`
		Version    string        `json:"version"`
		PURL       string        `json:"purl"`
		Properties []cdxProperty `json:"properties,omitempty"`
	}
	cdxProperty struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
)

// sbom writes the CycloneDX SBOM of archive's binary, from what Go
// recorded in it: the module, its dependencies as built, the toolchain
// and the build settings. Its serial number derives from the archive's
// name, and its time is the commit's, so it is reproducible too.
func (r *release) sbom(archive, bin, goos, goarch string) (string, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", err
	}
	purl := func(path, version string) string {
		return fmt.Sprintf("pkg:golang/%s@%s?type=module", path, version)
	}
	main := cdxComponent{Type: "application", Name: info.Main.Path, Version: r.version,
		PURL: fmt.Sprintf("pkg:golang/%s@%s?type=module&goos=%s&goarch=%s", info.Main.Path, r.version, goos, goarch)}
	main.BOMRef = main.PURL
	main.Properties = []cdxProperty{{Name: "cdx:gomod:binary:name", Value: filepath.Base(bin)}, {Name: "cdx:go:version", Value: info.GoVersion}}
	for _, s := range info.Settings {
		main.Properties = append(main.Properties, cdxProperty{Name: "cdx:gomod:build:env:" + s.Key, Value: s.Value})
	}
	bom := cdxBOM{BOMFormat: "CycloneDX", SpecVersion: "1.5", Version: 1,
		SerialNumber: serial(archive + " " + r.version),
		Metadata:     cdxMetadata{Timestamp: r.when.Format(time.RFC3339), Component: main},
		Components:   []cdxComponent{}}
	for _, dep := range info.Deps {
		if dep.Replace != nil {
			dep = dep.Replace
		}
		c := cdxComponent{Type: "library", Name: dep.Path, Version: dep.Version, PURL: purl(dep.Path, dep.Version)}
		c.BOMRef = c.PURL
		if dep.Sum != "" {
			c.Properties = []cdxProperty{{Name: "cdx:gomod:module:sum", Value: dep.Sum}}
		}
		bom.Components = append(bom.Components, c)
	}
	data, err := json.MarshalIndent(bom, "", "  ")
	if err != nil {
		return "", err
	}
	name := archive + ".sbom.json"
	return name, os.WriteFile(filepath.Join(r.out, name), append(data, '\n'), 0o644)
}

// serial is a urn:uuid from name's hash, as a version 8 UUID (RFC 9562):
// the same release, the same serial.
func serial(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
