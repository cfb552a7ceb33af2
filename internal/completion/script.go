package completion

import "embed"

//go:embed scripts
var scripts embed.FS

// scriptFiles are the script of each shell of arguments.Shells.
var scriptFiles = map[string]string{
	"bash":       "scripts/portspec.bash",
	"zsh":        "scripts/portspec.zsh",
	"fish":       "scripts/portspec.fish",
	"powershell": "scripts/portspec.ps1",
}

// Script is the completion script of shell, one of arguments.Shells;
// "" for any other.
func Script(shell string) string {
	name, ok := scriptFiles[shell]
	if !ok {
		return ""
	}
	b, err := scripts.ReadFile(name)
	if err != nil {
		panic(err) // embedded: it is there
	}
	return string(b)
}
