package report

import (
	"io"

	"github.com/portspec/portspec/internal/spool"
)

// The control view's caps: a control that covers every port of a
// thousand hosts must stay a list a person reads. Its counts still count
// every check.
const (
	htmlMaxControlCells = 100   // cells listed under one control
	htmlMaxControlView  = 5_000 // cells listed under all of them
)

// htmlControlView is the page's view by control: a row for each control
// the control filter lists, with its checks counted by verdict and the
// first of them listed as cells, runs collapsed as in the matrix. The
// rows are open all at once, so their cells wait on a shelf, in their
// places, until the page's end; only each row's last cell, which the
// next check may extend, is held.
type htmlControlView struct {
	rows   map[string]*htmlControl
	shelf  *spool.Shelf
	listed int // cells listed, of every row
	err    error
}

// htmlControl is a control's row.
type htmlControl struct {
	Control string
	Counts  htmlCounts
	// Unlisted is how many checks of the control are counted but not
	// listed.
	Unlisted int
	cells    []spool.Place
	last     *htmlItem
}

// listed is how many cells the row lists.
func (c *htmlControl) listed() int {
	if c.last == nil {
		return 0
	}
	return len(c.cells) + 1
}

// Cap is the most cells a row lists.
func (*htmlControl) Cap() int { return htmlMaxControlCells }

// CapAll is the most cells all rows list.
func (*htmlControl) CapAll() int { return htmlMaxControlView }

// add counts the check under each of its controls that the filter lists,
// options, and lists it while the rows have room.
func (v *htmlControlView) add(options *htmlOptions, item *htmlItem) {
	for _, control := range item.Controls {
		row := v.rows[control]
		if row == nil {
			if !options.listed[control] {
				continue
			}
			if v.rows == nil {
				v.rows = map[string]*htmlControl{}
			}
			row = &htmlControl{Control: control, Counts: htmlCounts{}}
			v.rows[control] = row
		}
		row.Counts[item.Verdict]++
		switch {
		case v.err != nil:
		case row.last != nil && row.last.extends(item):
			row.last.High = item.High
		case row.listed() >= htmlMaxControlCells || v.listed >= htmlMaxControlView:
			row.Unlisted++
		default:
			if row.last != nil {
				v.shelve(row)
			}
			cell := *item
			cell.Under = control
			row.last = &cell
			v.listed++
		}
	}
}

// shelve puts the row's last cell on the shelf.
func (v *htmlControlView) shelve(row *htmlControl) {
	var b []byte
	if b, v.err = render("cell", row.last); v.err == nil {
		var place spool.Place
		place, v.err = v.shelf.Put(b)
		row.cells = append(row.cells, place)
	}
}

// writeTo writes the view, its rows in the order the filter lists their
// controls; nothing when no check has a control.
func (v *htmlControlView) writeTo(w io.Writer, options *htmlOptions) error {
	if !options.Any() {
		return nil
	}
	if err := htmlTemplates.ExecuteTemplate(w, "controls", options); err != nil {
		return err
	}
	for _, control := range options.List {
		row := v.rows[control]
		if err := htmlTemplates.ExecuteTemplate(w, "control", row); err != nil {
			return err
		}
		for _, place := range row.cells {
			b, err := v.shelf.Take(place)
			if err == nil {
				_, err = w.Write(b)
			}
			if err != nil {
				return err
			}
		}
		if row.last != nil {
			if err := htmlTemplates.ExecuteTemplate(w, "cell", row.last); err != nil {
				return err
			}
		}
		if err := htmlTemplates.ExecuteTemplate(w, "control-end", row); err != nil {
			return err
		}
	}
	return htmlTemplates.ExecuteTemplate(w, "controls-end", options)
}
