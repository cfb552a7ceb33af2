package runner

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
