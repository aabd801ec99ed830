package mail

import (
	"slices"
	"testing"
)

// The followed UIDs stay sorted, unique and bounded, newest kept, however
// many messages are reported.
func TestTrackedIsBounded(t *testing.T) {
	var tr tracked
	for i := range 250 {
		tr.add([]Message{{UID: uint32(1000 - i)}, {UID: uint32(2000 + i)}, {UID: uint32(2000 + i)}})
	}
	if len(tr) != maxTracked {
		t.Fatalf("%d UIDs followed, want %d", len(tr), maxTracked)
	}
	if !slices.IsSorted(tr) || tr[0] != 2150 || tr[len(tr)-1] != 2249 {
		t.Fatalf("followed %d…%d (sorted %v), want the newest 2150…2249", tr[0], tr[len(tr)-1], slices.IsSorted(tr))
	}
}
