package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/serve"
	"github.com/portspec/portspec/report"
)

// runServe is portspec serve: check's run once an interval, the last one
// served over HTTP until SIGTERM or SIGINT, which exit 0; SIGHUP loads
// the spec again.
func runServe(std streams, args []string) error {
	f, err := arguments.ParseServe(args)
	if err != nil {
		return err
	}
	// The signals are serve's from the start: a SIGHUP or SIGTERM while
	// the spec first loads must not kill it with its directory left.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	dir, err := os.MkdirTemp("", "portspec-serve-")
	if err != nil {
		return exit.Errorf(exit.Incomplete, "portspec serve: %v", err)
	}
	defer os.RemoveAll(dir)
	load := func() (serve.RunFunc, error) { return loadServed(std, f, args) }
	s, err := serve.New(load, serve.Options{Interval: f.Interval, History: f.History, MaxSeries: f.MaxSeries, Dir: dir, Log: std.stderr})
	if err != nil || ctx.Err() != nil {
		return err
	}
	listener, err := net.Listen("tcp", f.Listen)
	if err != nil {
		return exit.Errorf(exit.Usage, "portspec serve: %v", err)
	}
	// A client that reads slowly or keeps its connection idle cannot
	// hold a report, or a connection, for long.
	server := &http.Server{Handler: serve.HostGuard(listener.Addr(), s.Handler()), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: time.Minute, IdleTimeout: time.Minute}
	fmt.Fprintf(std.stderr, "portspec serve: serving http://%s/ (/metrics, /healthz, /results.json, /changes), a run every %s\n", listener.Addr(), f.Interval)

	go func() {
		for range hup {
			s.Reload(load)
		}
	}()
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	looped := make(chan struct{})
	go func() { s.Loop(ctx); close(looped) }()
	select {
	case <-ctx.Done():
	case err = <-served:
		stop()
	}
	<-looped
	shutdown, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	server.Shutdown(shutdown)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return exit.Errorf(exit.Incomplete, "portspec serve: %v", err)
	}
	return nil
}

// loadServed loads serve's spec, saying its diagnostics on stderr, and
// returns its run: check's, with serve's reporters.
func loadServed(std streams, f *arguments.Serve, args []string) (serve.RunFunc, error) {
	l, vantages, err := loadCheck(std, &f.Check)
	if err != nil {
		// Exit 2 at the start, as check's; a reload logs it.
		return nil, err
	}
	command := append([]string{"portspec", "serve"}, args...)
	return func(ctx context.Context, reporters report.Multi) (report.Summary, error) {
		session := outputs.NewSession(reporters)
		err := runChecks(ctx, std, &f.Check, l, vantages, session, nil, command)
		return session.Sum, err
	}, nil
}
