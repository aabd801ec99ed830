package window

import (
	"testing"
	"time"

	"mailbell/app/view"
)

// A muted message is listed, marked muted; the others are not marked.
func TestRecentRowMarksMuted(t *testing.T) {
	newHarness(t, Deps{}) // a test app for the widgets
	row := newMessageRow().(*messageRow)
	now := time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)
	row.set(view.Message{From: "Deals", Subject: "Buy now", Date: now, Muted: true}, now)
	if row.when.Text != "just now · muted" || row.subject.Text != "Buy now" {
		t.Fatalf("muted row: when %q subject %q", row.when.Text, row.subject.Text)
	}
	row.set(view.Message{From: "Bob", Subject: "Lunch?", Date: now}, now)
	if row.when.Text != "just now" {
		t.Fatalf("unmuted row: when %q", row.when.Text)
	}
}
