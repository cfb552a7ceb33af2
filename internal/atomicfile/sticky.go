package atomicfile

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/portspec/portspec/internal/escape"
)

// StickyError is a link, file or directory that the sticky-directory rule
// refuses to use: one in a sticky, world-writable directory (such as
// /tmp) that belongs neither to the directory's owner nor to the user
// writing. Any user can put one there: following such a link would let
// them steer the write, as root's, onto any file, or create one anywhere;
// writing over such a file, or into such a directory, would hand them
// root's report or the same steering.
type StickyError struct {
	Path string
	// Kind is "link", "file" or "directory".
	Kind                    string
	Owner, DirOwner, Writer int // uids
}

func (e *StickyError) Error() string {
	use := map[string]string{"link": "a link there is followed", "file": "a file there is written over", "directory": "a directory there is written into"}[e.Kind]
	return fmt.Sprintf("%s is a %s owned by %s in %s, a sticky world-writable directory owned by %s; %s only when it belongs to the directory's owner or to the user writing, %s, as the kernel's fs.protected_symlinks and fs.protected_regular rules have it",
		escape.Text(e.Path), e.Kind, userName(e.Owner), escape.Text(filepath.Dir(e.Path)), userName(e.DirOwner), use, userName(e.Writer))
}

// userName names a uid as "nobody (uid 65534)", or "uid 65534" for one
// with no name.
func userName(uid int) string {
	id := strconv.Itoa(uid)
	if u, err := user.LookupId(id); err == nil && u.Username != "" {
		return escape.Text(u.Username) + " (uid " + id + ")"
	}
	return "uid " + id
}
