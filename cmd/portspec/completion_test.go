package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/arguments"
)

// Completion and the manual pages know the commands by their helps
// (arguments.Commands): every command has one, and every help a command,
// but the hidden __complete.
func TestCommandsHaveHelp(t *testing.T) {
	var dispatched []string
	for name := range commands {
		if !strings.HasPrefix(name, "__") {
			dispatched = append(dispatched, name)
		}
	}
	slices.Sort(dispatched)
	if documented := arguments.Commands(); !slices.Equal(dispatched, documented) {
		t.Errorf("commands %v, helps %v", dispatched, documented)
	}
}
