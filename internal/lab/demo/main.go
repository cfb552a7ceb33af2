//go:build linux

// Command demo runs the README's first command, make demo: it brings up
// the namespace lab (or, without root, loopback listeners), runs portspec
// check on a small policy against it, and leaves the reports in out/.
//
//	go run ./internal/lab/demo -portspec bin/portspec        # the demo
//	go run ./internal/lab/demo -portspec bin/portspec -hold  # keep the lab up for hand checks
//	go run ./internal/lab/demo -portspec bin/portspec -screenshot docs/report.png  # the README's picture
package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"

	"github.com/portspec/portspec/internal/browser"
	"github.com/portspec/portspec/internal/lab"
)

const labRules = `table inet demo {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 587 drop
    tcp dport 23 reject with tcp reset
    tcp dport 3389 reject with icmpx type admin-prohibited
    udp dport 137 drop
  }
}`

func main() {
	portspec := flag.String("portspec", "bin/portspec", "the portspec binary")
	hold := flag.Bool("hold", false, "keep the lab up until interrupted, for hand checks")
	shot := flag.String("screenshot", "", "then take a screenshot of the HTML report with headless Chromium, to this PNG `file`")
	flag.Parse()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil {
			dir = rel
		}
	}
	if err := run(*portspec, dir, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	if *shot != "" {
		if err := takeScreenshot(*shot); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			os.Exit(1)
		}
	}
}

// takeScreenshot is the README's picture of the demo's HTML report.
func takeScreenshot(out string) error {
	chromium, err := browser.Chromium()
	if err != nil {
		return err
	}
	colours, err := browser.Screenshot(chromium, "out/report.html", out, 1100, 1400)
	if err != nil {
		return err
	}
	if colours < 8 {
		return fmt.Errorf("the screenshot %s has %d colours: the page rendered blank", out, colours)
	}
	fmt.Printf("Screenshot of the HTML report: %s\n", out)
	return nil
}

func run(portspec, dir string, hold bool) error {
	args := []string{"check", "-nr", "--color", "always", "--junit", "out/junit.xml", "--log", "out/portspec.log", "--json", "out/results.json", "--html", "out/report.html"}
	var cmd *exec.Cmd
	if why := lab.Unavailable(); why != "" {
		if hold {
			return fmt.Errorf("cannot hold a lab: %s", why)
		}
		fmt.Printf("Not running the namespace lab: %s.\n", why)
		fmt.Print("The demo falls back to loopback listeners. Loopback has no firewall and no\n" +
			"router, and is exempt from the per-destination ICMP rate limit, so it cannot show\n" +
			"FILTERED ports, errors from a router or silences confirmed against a target's ICMP\n" +
			"budget; run make demo as root to see them.\n\n")
		if err := loopback(); err != nil {
			return err
		}
		cmd = exec.Command(portspec, append(args, filepath.Join(dir, "loopback.hcl"))...)
	} else {
		// Two routers, so that the deliberate failure's trace has hops to
		// name.
		l, err := lab.BuildChain()
		if err != nil {
			return err
		}
		defer l.Close()
		if err := serveLab(l); err != nil {
			return err
		}
		if hold {
			fmt.Printf("The lab is up. Probe from the client namespace, for example:\n\n"+
				"  ip netns exec %s %s query -n %s -nr -p both -o 25,53,137,587,3389\n\n"+
				"Namespaces: %s (client), %s and %s (routers), %s (server). Ctrl-C tears it down.\n",
				l.Client.Name, portspec, lab.Server4, l.Client.Name, l.Router.Name, l.Router2.Name, l.Server.Name)
			wait := make(chan os.Signal, 1)
			signal.Notify(wait, os.Interrupt)
			<-wait
			return nil
		}
		fmt.Printf("The namespace lab is up: client %s, server %s and %s, behind two routers.\n", lab.Client4, lab.Server4, lab.Server6)
		fmt.Printf("Running: ip netns exec %s portspec %s %s\n\n", l.Client.Name, joined(args), filepath.Join(dir, "lab.hcl"))
		cmd = exec.Command("ip", append([]string{"netns", "exec", l.Client.Name, portspec}, append(args, filepath.Join(dir, "lab.hcl"))...)...)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		return err
	}
	report, _ := filepath.Abs("out/report.html")
	fmt.Printf("\nportspec exited %d. The failure is deliberate: the policy expects a port to\n"+
		"listen that does not, as after a bad change; its trace says where the probe dies.\n"+
		"The reports are in\n"+
		"out/junit.xml, out/portspec.log and out/results.json; open the HTML report:\n\n"+
		"  %s\n", code, report)
	if code != 1 {
		return fmt.Errorf("portspec check exited %d, want 1 for the deliberate failure", code)
	}
	return nil
}

func joined(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

func serveLab(l *lab.Lab) error {
	if err := l.Nft(l.Server, labRules); err != nil {
		return err
	}
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		for _, err := range []error{
			l.ServeTCP(netip.AddrPortFrom(a, 25), "220 mail.demo.lab ESMTP\r\n"),
			l.ServeTCP(netip.AddrPortFrom(a, 587), "220 mail.demo.lab ESMTP\r\n"),
			l.ServeUDP(netip.AddrPortFrom(a, 53), lab.DNS),
			l.ServeUDP(netip.AddrPortFrom(a, 123), lab.NTP),
			l.ServeUDP(netip.AddrPortFrom(a, 137), nil),
		} {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// loopback starts the listeners of loopback.hcl in this process.
func loopback() error {
	ln, err := net.Listen("tcp", "127.0.0.1:20025")
	if err != nil {
		return err
	}
	go lab.AnswerTCP(ln, "220 demo ESMTP\r\n")
	pc, err := net.ListenPacket("udp", "127.0.0.1:20053")
	if err != nil {
		return err
	}
	go lab.AnswerUDP(pc, func(req []byte) []byte { return append([]byte("echo:"), req...) })
	return nil
}
