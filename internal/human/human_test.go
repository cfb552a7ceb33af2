package human

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{1234567 * time.Microsecond, "1.23s"},
		{212345 * time.Microsecond, "212.3ms"},
		{1100 * time.Microsecond, "1.1ms"},
		{340400 * time.Nanosecond, "340µs"},
	} {
		if got := Duration(tc.in).String(); got != tc.want {
			t.Errorf("Duration(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPlural(t *testing.T) {
	if Plural(1, "try", "tries") != "try" || Plural(0, "try", "tries") != "tries" || Plural(3, "try", "tries") != "tries" {
		t.Error("Plural does not agree with its count")
	}
}
