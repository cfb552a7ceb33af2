package report

import "testing"

// A refusal the OS does not attribute (every OS but Linux) is said as
// such, in the failure line and in the log, and a results file that has
// it reads back.
func TestRefusedSaysNotByWhom(t *testing.T) {
	ev := &Evidence{Signal: SignalRefused, Tries: []Try{{Signal: SignalRefused, DurationMS: 2}}}
	if got := ev.Summary(); got != "refused (the OS does not say by whom) after 2ms" {
		t.Errorf("summary %q", got)
	}
	if got := ev.Tries[0].Line(); got != "refused (the OS does not say by whom) after 2ms" {
		t.Errorf("log line %q", got)
	}
	if err := validateSignal(SignalRefused, nil); err != nil {
		t.Errorf("a results file with %q is refused: %v", SignalRefused, err)
	}
}
