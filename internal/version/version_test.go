package version

import (
	"runtime/debug"
	"testing"
)

// TestVersionLine: a release's stamps win; go install …@vX says the
// module's version; a clone built without stamps says its commit and
// time; nothing says devel. The OS and Go always show.
func TestVersionLine(t *testing.T) {
	base := Build{GoVersion: "go1.26.8", Platform: "linux/amd64"}
	stamped := base
	stamped.Version, stamped.Commit, stamped.Date = "v0.4.0", "abc1234", "2026-12-03"
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}
	clone := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-03T11:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		name  string
		b     Build
		info  *debug.BuildInfo
		want  string
		short string
	}{
		{"release", stamped, installed, "v0.4.0 (commit abc1234, 2026-12-03, go1.26.8, linux/amd64)", "v0.4.0"},
		{"go install", base, installed, "v0.4.0 (go1.26.8, linux/amd64)", "v0.4.0"},
		{"clone", base, clone, "devel (commit 0123456-dirty, 2026-12-03, go1.26.8, linux/amd64)", "devel"},
		{"nothing", base, nil, "devel (go1.26.8, linux/amd64)", "devel"},
	} {
		got := Of(tc.b, tc.info)
		if got.String() != tc.want || got.Version != tc.short {
			t.Errorf("%s: %q (%s), want %q", tc.name, got, got.Version, tc.want)
		}
	}
}
