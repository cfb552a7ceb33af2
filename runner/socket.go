package runner

// SocketFunc creates a socket, on Linux. The default is unix.Socket;
// tests swap it for one that creates the socket inside a network
// namespace.
type SocketFunc func(domain, typ, proto int) (int, error)
