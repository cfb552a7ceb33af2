package runner

import "errors"

// errAnswersDropped is a SYN try's silence while this machine dropped
// answers (synEngine.try): it says nothing of the port.
var errAnswersDropped = errors.New("this machine dropped answers while the SYN waited (a raw socket's receive buffer was full), so its silence says nothing of the port; give a lower --concurrency, raise net.core.rmem_max, or leave --syn out")

// CheckSYN says whether Options.SYN can work here: it opens the raw
// sockets, as a run would, and closes them.
func CheckSYN(opts Options) error {
	opts.fill()
	e, err := openSYN(opts.Socket)
	if e != nil {
		e.close()
	}
	return err
}

// synPorts is how many source ports a family holds.
const synPorts = 16

// synBuffer is each raw socket's receive buffer: a whole window of
// answers at once should not overflow it, since an answer dropped here
// makes its try's silence an error (errAnswersDropped). Without
// CAP_NET_ADMIN the kernel holds it to net.core.rmem_max. A variable,
// for a test to shrink.
var synBuffer = 16 << 20
