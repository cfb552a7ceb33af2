package outputs

import "testing"

// TestEnvironmentConventions: an empty NO_COLOR asks for nothing, and
// CI=false is not CI (issue #14, item 14).
func TestEnvironmentConventions(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{{"", false}, {"1", true}, {"yes", true}} {
		t.Setenv("NO_COLOR", tc.value)
		if got := noColor(); got != tc.want {
			t.Errorf("NO_COLOR=%q: no colour %v, want %v", tc.value, got, tc.want)
		}
	}
	for _, tc := range []struct {
		value string
		want  bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}, {"yes", true}} {
		t.Setenv("CI", tc.value)
		if got := InCI(); got != tc.want {
			t.Errorf("CI=%q: in CI %v, want %v", tc.value, got, tc.want)
		}
	}
}
