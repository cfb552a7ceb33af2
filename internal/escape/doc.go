// Package escape is portspec's one rule for text from outside: a target's
// bytes (banners, UDP replies, the names in them), a spec's strings, a
// local process's name, a result file's fields. Such text is escaped once,
// where it enters a report (report.Record.Escape, the runner's reply
// describers), by Text; the reporters then print it as it is. HTML is
// left to html/template, which escapes the escaped text again for HTML;
// Markdown, in a table cell or a line, takes Markdown.
//
// Escaped text is printable, holds no line break, and cannot start a
// GitHub Actions workflow command: a CI log gets no command, colour or
// cursor movement that portspec did not write itself.
package escape
