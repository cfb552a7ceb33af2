package merge

import (
	"reflect"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/reporttest"
)

// TestParkedResultsComeBackWhole: a large result, which waits its turn in
// the merge on disk, comes back as it was read, every kind of result with
// every field it has.
func TestParkedResultsComeBackWhole(t *testing.T) {
	records := reporttest.Records()
	for i := range records {
		records[i].Description = strings.Repeat("d", parkAbove) + "<&>\\x7f\u00e9"
	}
	read, _, err := reporttest.ReadAll(reporttest.JSON(t, records...))
	if err != nil {
		t.Fatal(err)
	}
	var park parking
	defer park.close()
	for _, r := range read {
		if r.Size() <= parkAbove {
			t.Fatalf("%s/%d takes %d bytes: it is not parked", r.Protocol, r.Port, r.Size())
		}
		place, err := park.put(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := park.take(headItem{parked: place})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%s/%d parked and read back:\n%+v\nwant\n%+v", r.Protocol, r.Port, back, r)
		}
	}
}
