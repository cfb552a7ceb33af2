// Package manpage writes portspec's manual pages in roff: portspec(1),
// and a page a command, portspec-check(1) and the others. A page is made
// of what the command's --help prints, its synopsis, description,
// examples and exit codes (arguments.HelpOf) and its flags with their
// usages and defaults (arguments.FlagSet), so that the manual cannot say
// other than the help. make man writes them to out/man; every release
// archive holds them under man/.
package manpage
