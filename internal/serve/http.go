package serve

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the last completed run: /metrics, /healthz, / (its HTML
// report), /results.json and /changes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.serveReport(w, func(c *completed) string { return c.htmlPath }, "text/html; charset=utf-8")
	})
	mux.HandleFunc("GET /results.json", func(w http.ResponseWriter, r *http.Request) {
		s.serveReport(w, func(c *completed) string { return c.jsonPath }, "application/json")
	})
	mux.HandleFunc("GET /changes", s.serveChanges)
	return mux
}

// Health is what /healthz says: 200 while the last completed run passed
// (a waived check passes), else 503 and why, in a line.
func (s *Server) Health() (int, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	last := s.last
	switch {
	case last == nil:
		return http.StatusServiceUnavailable, "no run yet"
	case last.err != nil:
		return http.StatusServiceUnavailable, fmt.Sprintf("run %d could not be made: %v", last.number, last.err)
	case last.summary.Failed+last.summary.Errors > 0:
		return http.StatusServiceUnavailable, fmt.Sprintf("failing: run %d: %s", last.number, last.summary.Line())
	}
	return http.StatusOK, fmt.Sprintf("ok: run %d: %s", last.number, last.summary.Line())
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	code, line := s.Health()
	// One line, whatever the errors joined in it said.
	line = strings.Join(strings.Fields(line), " ")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, line)
}

// serveReport serves a report of the last completed run. The file is
// opened under the lock, so a run that replaces it meanwhile cannot pull
// it away: an open file outlives its removal.
func (s *Server) serveReport(w http.ResponseWriter, path func(*completed) string, contentType string) {
	s.mu.RLock()
	var f *os.File
	var err error
	if s.last != nil && s.last.err == nil {
		f, err = os.Open(path(s.last))
	}
	s.mu.RUnlock()
	if f == nil {
		msg := "no run yet"
		if err != nil {
			msg = err.Error()
		} else if s.last != nil {
			msg = "the last run could not be made"
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentType)
	io.Copy(w, f)
}

// serveChanges is /changes: the kept runs' changes, oldest first.
func (s *Server) serveChanges(w http.ResponseWriter, _ *http.Request) {
	s.mu.RLock()
	b, err := json.MarshalIndent(struct {
		Runs []runChanges `json:"runs"`
	}{append([]runChanges{}, s.history...)}, "", "  ")
	s.mu.RUnlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// HostGuard refuses, for a server on a loopback address, a request whose
// Host is not a loopback address or localhost: a web page the user has
// open could otherwise read the reports (the network's layout, the
// command line) by rebinding a name of its own to 127.0.0.1. A server
// on another address was exposed on purpose (--listen) and takes any.
func HostGuard(addr net.Addr, h http.Handler) http.Handler {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || !ap.Addr().IsLoopback() {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if a, err := netip.ParseAddr(host); !(err == nil && a.IsLoopback() || strings.EqualFold(host, "localhost")) {
			http.Error(w, "serve listens on loopback: the Host must be a loopback address or localhost", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}
