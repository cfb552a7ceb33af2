package verdict_test

import (
	"fmt"

	"github.com/portspec/portspec/verdict"
)

// Judge compares what a probe found with what the spec expects. A silent
// port is FILTERED and a refused one NOT LISTENING, both of which pass
// "blocked"; a port that answered fails it, and the message says why.
func ExampleJudge() {
	want := verdict.Expectation{State: verdict.ExpectBlocked}
	for _, status := range []verdict.Status{verdict.Filtered, verdict.NotListening, verdict.Listening} {
		got := verdict.Found{Status: status, Evidence: func() string { return "SYN-ACK in 0.3ms" }}
		o := verdict.Judge(want, got)
		fmt.Println(status, "→", o.Verdict)
		if o.Message != "" {
			fmt.Println("  ", o.Message)
		}
	}
	// Output:
	// FILTERED → pass
	// NOT LISTENING → pass
	// LISTENING → fail
	//    expected blocked, got LISTENING (SYN-ACK in 0.3ms)
}
