package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"mailbell/app/rules"
)

func quietPolicy(t *testing.T, q rules.QuietHours, zone string) (*Policy, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	s, err := q.Schedule(loc)
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	p.Sound = true
	p.SetQuietHours(s, time.Time{})
	return p, loc
}

// count returns how many of ns have Sound.
func sounds(ns []Notification) int {
	n := 0
	for _, x := range ns {
		if x.Sound {
			n++
		}
	}
	return n
}

func TestMutedNeverNotifies(t *testing.T) {
	p := New()
	p.Sound = true
	it := items(3, "Work")
	for i := range it {
		it[i] = it[i].WithVerdict(rules.Verdict{Muted: true, Reason: rules.ReasonMutedSender})
	}
	if got := p.Add(t0, it); got != nil {
		t.Fatalf("muted notified: %+v", got)
	}
	if !p.Deadline().IsZero() || p.Flush(t0.Add(time.Hour)) != nil {
		t.Fatal("muted mail waits for something")
	}
	// Muted mail does not start a window either: the next message is at once.
	if got := p.Add(t0.Add(10*time.Millisecond), items(1, "Work")); len(got) != 1 || !got[0].Sound {
		t.Fatalf("got %+v", got)
	}
	// Muted mail is not held by a pause or quiet hours either.
	p.Pause(t0.Add(time.Hour))
	p.Add(t0.Add(time.Minute), it)
	if got := p.Resume(t0.Add(2 * time.Minute)); got != nil {
		t.Fatalf("muted mail summarised after a pause: %+v", got)
	}
}

// A quiet night: nothing shows while it lasts, the morning brings exactly
// one summary of everything (with one sound), and the deadline the core
// sleeps until is the spell's end.
func TestQuietHoursHoldThenOneSummary(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "Europe/Berlin")
	night := time.Date(2026, 3, 28, 22, 30, 0, 0, loc) // the night the clocks go forward
	morning := time.Date(2026, 3, 29, 7, 0, 0, 0, loc)
	for i := range 6 {
		at := night.Add(time.Duration(i) * time.Hour)
		if got := p.Add(at, items(2, "Work")); got != nil {
			t.Fatalf("notified at %v in quiet hours: %+v", at, got)
		}
		if got := p.Flush(at.Add(2 * time.Second)); got != nil {
			t.Fatalf("flushed in quiet hours: %+v", got)
		}
	}
	if d := p.Deadline(); !d.Equal(morning) {
		t.Fatalf("Deadline = %v, want the spell's end %v", d, morning)
	}
	if got := p.Flush(morning.Add(-time.Second)); got != nil {
		t.Fatalf("before the end: %+v", got)
	}
	got := p.Flush(morning)
	if len(got) != 1 || !got[0].Group || len(got[0].Keys) != 12 || !got[0].Sound ||
		got[0].Summary != "12 new messages in Work during quiet hours" {
		t.Fatalf("at the end: %+v", got)
	}
	if again := p.Flush(morning.Add(time.Minute)); again != nil || !p.Deadline().IsZero() {
		t.Fatalf("a second summary: %+v", again)
	}
	// The day is not quiet.
	if got := p.Add(morning.Add(time.Hour), items(1, "Work")); len(got) != 1 || !got[0].Sound {
		t.Fatalf("daytime: %+v", got)
	}
}

func TestQuietHoursSingleHeldIsItself(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "America/New_York")
	p.Add(time.Date(2026, 11, 1, 1, 30, 0, 0, loc), items(1, "Home")) // in the repeated hour
	end := time.Date(2026, 11, 1, 7, 0, 0, 0, loc)
	if d := p.Deadline(); !d.Equal(end) {
		t.Fatalf("Deadline %v, want %v", d, end)
	}
	got := p.Flush(end)
	if len(got) != 1 || got[0].Group || got[0].Summary != "Sender0" || !got[0].Sound {
		t.Fatalf("got %+v", got)
	}
}

// A VIP allowed through notifies at once during quiet hours, silently; the
// others are still held; a VIP without the permission is held.
func TestVIPBreaksQuiet(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "Europe/Berlin")
	at := time.Date(2026, 10, 24, 23, 0, 0, 0, loc)
	vip := Item{Account: "Work", AccountName: "Work", Key: "vip", From: "Boss", Subject: "Server down"}.
		WithVerdict(rules.Verdict{Notify: true, VIP: true, BreaksQuiet: true})
	heldVIP := Item{Account: "Work", AccountName: "Work", Key: "vip2", From: "Boss2", Subject: "FYI"}.
		WithVerdict(rules.Verdict{Notify: true, VIP: true})
	got := p.Add(at, append(items(1, "Work"), vip, heldVIP))
	if len(got) != 1 || got[0].Keys[0] != "vip" || got[0].Sound {
		t.Fatalf("VIP through quiet hours: %+v", got)
	}
	// Two VIPs within a window wait for it, as always, and still break through.
	p.Add(at.Add(5*time.Second), []Item{vip, vip})
	if got := p.Flush(p.Deadline()); len(got) != 2 || sounds(got) != 0 {
		t.Fatalf("VIPs after the window: %+v", got)
	}
	end := time.Date(2026, 10, 25, 7, 0, 0, 0, loc)
	if d := p.Deadline(); !d.Equal(end) {
		t.Fatalf("Deadline %v, want %v (a 10-hour night)", d, end)
	}
	got = p.Flush(end)
	if len(got) != 1 || len(got[0].Keys) != 2 || got[0].Summary != "2 new messages in Work during quiet hours" {
		t.Fatalf("morning: %+v", got)
	}
	// A pause is the person's own choice: even a VIP waits.
	p.Pause(end.Add(24 * time.Hour))
	if got := p.Add(end.Add(time.Hour), []Item{vip}); got != nil {
		t.Fatalf("VIP during a pause: %+v", got)
	}
}

// Quiet hours and a pause together: one summary, when both are over.
func TestPauseInsideQuietHours(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "UTC")
	at := time.Date(2026, 6, 1, 21, 0, 0, 0, loc)
	p.Pause(at.Add(2 * time.Hour)) // until 23:00, inside the spell
	p.Add(at.Add(30*time.Minute), items(2, "A"))
	p.Add(at.Add(90*time.Minute), items(2, "A"))
	if !p.Expired(at.Add(2 * time.Hour)) {
		t.Fatal("pause not over")
	}
	if got := p.Resume(at.Add(2 * time.Hour)); got != nil {
		t.Fatalf("resumed into quiet hours: %+v", got)
	}
	p.Add(at.Add(3*time.Hour), items(1, "A"))
	end := time.Date(2026, 6, 2, 7, 0, 0, 0, loc)
	if d := p.Deadline(); !d.Equal(end) {
		t.Fatalf("Deadline %v, want %v", d, end)
	}
	got := p.Flush(end)
	if len(got) != 1 || len(got[0].Keys) != 5 || !strings.HasSuffix(got[0].Summary, " while paused") || !got[0].Sound {
		t.Fatalf("got %+v", got)
	}
}

// Mail waiting for its window when a spell begins is held with the rest.
func TestSpellBeginsDuringWindow(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "UTC")
	before := time.Date(2026, 6, 1, 21, 59, 59, 500_000_000, loc)
	if got := p.Add(before, items(2, "A")); got != nil {
		t.Fatalf("two wait for the window: %+v", got)
	}
	if got := p.Flush(p.Deadline()); got != nil {
		t.Fatalf("shown after 22:00: %+v", got)
	}
	if got := p.Flush(time.Date(2026, 6, 2, 7, 0, 0, 0, loc)); len(got) != 1 || len(got[0].Keys) != 2 {
		t.Fatalf("morning: %+v", got)
	}
}

// Quiet hours switched off while they hold mail: it shows at the next Flush.
func TestQuietHoursRemoved(t *testing.T) {
	p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "UTC")
	at := time.Date(2026, 6, 1, 23, 0, 0, 0, loc)
	p.Add(at, items(5, "A"))
	p.SetQuietHours(nil, at.Add(time.Minute))
	if d := p.Deadline(); !d.Equal(at.Add(time.Minute)) {
		t.Fatalf("Deadline %v", d)
	}
	if got := p.Flush(at.Add(time.Minute)); len(got) != 1 || len(got[0].Keys) != 5 {
		t.Fatalf("got %+v", got)
	}
}

// A pause survives a restart: what Save gives, through JSON, restores it.
func TestPauseRestore(t *testing.T) {
	p := New()
	p.Pause(t0.Add(time.Hour))
	b, err := json.Marshal(p.Save())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"paused_until":"2026-11-25T11:00:00Z"}` {
		t.Fatalf("saved %s", b)
	}
	var s Saved
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	q := New() // the next run
	q.Restore(s, t0.Add(10*time.Minute))
	if !q.PausedUntil().Equal(t0.Add(time.Hour)) {
		t.Fatalf("restored pause until %v", q.PausedUntil())
	}
	if got := q.Add(t0.Add(20*time.Minute), items(4, "Work")); got != nil {
		t.Fatalf("notified after a restart while paused: %+v", got)
	}
	if !q.Expired(t0.Add(time.Hour)) {
		t.Fatal("restored pause does not expire")
	}
	if got := q.Resume(t0.Add(time.Hour)); len(got) != 1 || got[0].Summary != "4 new messages in Work while paused" {
		t.Fatalf("resume after restart: %+v", got)
	}

	// "Until I resume" (far future) survives too.
	forever := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	p = New()
	p.Pause(forever)
	b, _ = json.Marshal(p.Save())
	s = Saved{}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	q = New()
	q.Restore(s, t0)
	if !q.PausedUntil().Equal(forever) {
		t.Fatalf("forever pause restored as %v", q.PausedUntil())
	}

	// A pause that ended while the app was not running is gone.
	q = New()
	q.Restore(Saved{PausedUntil: t0}, t0.Add(time.Minute))
	if !q.PausedUntil().IsZero() || q.Add(t0.Add(2*time.Minute), items(1, "W")) == nil {
		t.Fatal("an expired pause was restored")
	}
	// Not paused: nothing to save.
	if b, _ := json.Marshal(New().Save()); string(b) != "{}" {
		t.Fatalf("not paused saves %s", b)
	}
}
