package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func items(n int, account string) []Item {
	var out []Item
	for i := range n {
		out = append(out, Item{Account: account, AccountName: account, Key: fmt.Sprint(account, i), From: fmt.Sprint("Sender", i), Subject: fmt.Sprint("Subject ", i)})
	}
	return out
}

func TestFirstMessageAtOnce(t *testing.T) {
	p := New()
	got := p.Add(t0, items(1, "Work"))
	if len(got) != 1 || got[0].Summary != "Sender0" || got[0].Body != "Subject 0" || got[0].Group {
		t.Fatalf("got %+v", got)
	}
	if !p.Deadline().IsZero() {
		t.Fatal("nothing should wait")
	}
}

func TestBurstBecomesOneSummary(t *testing.T) {
	p := New()
	got := p.Add(t0, items(12, "Work"))
	if len(got) != 1 || got[0].Summary != "12 new messages in Work" || !got[0].Group || len(got[0].Keys) != 12 {
		t.Fatalf("got %+v", got)
	}
	if got[0].Body != "from Sender0, Sender1 and 10 more" {
		t.Fatalf("body %q", got[0].Body)
	}
}

// A burst that arrives one message at a time: the first at once, the other
// 19 as one summary when the window ends — two notifications in all.
func TestTrickleBurst(t *testing.T) {
	p := New()
	var shown []Notification
	all := items(20, "Work")
	for i, it := range all {
		shown = append(shown, p.Add(t0.Add(time.Duration(i)*10*time.Millisecond), []Item{it})...)
	}
	if len(shown) != 1 {
		t.Fatalf("before the window ends: %d notifications", len(shown))
	}
	if d := p.Deadline(); d.IsZero() || p.Flush(d.Add(-time.Millisecond)) != nil {
		t.Fatal("flush before the deadline must show nothing")
	}
	shown = append(shown, p.Flush(p.Deadline())...)
	if len(shown) != 2 || shown[1].Summary != "19 new messages in Work" {
		t.Fatalf("got %+v", shown)
	}
}

func TestUpToThreeOneEach(t *testing.T) {
	p := New()
	p.Add(t0, items(1, "A"))
	p.Add(t0.Add(100*time.Millisecond), items(3, "B"))
	got := p.Flush(t0.Add(2 * time.Second))
	if len(got) != 3 || got[0].Group {
		t.Fatalf("got %+v", got)
	}
}

func TestSeenNeverNotifies(t *testing.T) {
	p := New()
	it := items(2, "Work")
	it[0].Seen, it[1].Seen = true, true
	if got := p.Add(t0, it); got != nil {
		t.Fatalf("got %+v", got)
	}
}

func TestPauseThenOneSummary(t *testing.T) {
	p := New()
	p.Pause(t0.Add(time.Hour))
	for i := range 5 {
		if got := p.Add(t0.Add(time.Duration(i)*time.Minute), items(2, "Work")); got != nil {
			t.Fatalf("notified while paused: %+v", got)
		}
	}
	if p.Expired(t0.Add(59*time.Minute)) || !p.Expired(t0.Add(time.Hour)) {
		t.Fatal("expiry wrong")
	}
	got := p.Resume(t0.Add(time.Hour))
	if len(got) != 1 || !strings.HasPrefix(got[0].Summary, "10 new messages in Work while paused") {
		t.Fatalf("got %+v", got)
	}
	if again := p.Resume(t0.Add(time.Hour)); again != nil {
		t.Fatal("second resume shows again")
	}
}

func TestPrivacyPreferences(t *testing.T) {
	p := New()
	p.ShowSubject = false
	got := p.Add(t0, items(1, "Work"))
	if strings.Contains(got[0].Summary+got[0].Body, "Subject") {
		t.Fatalf("subject shown: %+v", got)
	}
	p = New()
	p.ShowSender, p.ShowSubject = false, false
	got = p.Add(t0, items(1, "Work"))
	if got[0].Summary != "New message in Work" || got[0].Body != "" {
		t.Fatalf("got %+v", got)
	}
}

func TestSummaryAcrossAccounts(t *testing.T) {
	p := New()
	got := p.Add(t0, append(items(3, "A"), items(2, "B")...))
	if len(got) != 1 || got[0].Summary != "5 new messages in 2 accounts" {
		t.Fatalf("got %+v", got)
	}
}

// A burst whose first fetch holds a few messages: those wait for the window
// and join the rest in one summary.
func TestBurstStartingWithAFew(t *testing.T) {
	p := New()
	if got := p.Add(t0, items(3, "Work")); got != nil {
		t.Fatalf("three at once should wait: %+v", got)
	}
	p.Add(t0.Add(50*time.Millisecond), items(17, "Work"))
	got := p.Flush(p.Deadline())
	if len(got) != 1 || got[0].Summary != "20 new messages in Work" {
		t.Fatalf("got %+v", got)
	}
}

func TestTwoTogetherThenQuiet(t *testing.T) {
	p := New()
	p.Add(t0, items(2, "Work"))
	got := p.Flush(t0.Add(time.Second))
	if len(got) != 2 || got[0].Group {
		t.Fatalf("got %+v", got)
	}
}

// A second summary soon after the first replaces it on screen, so it counts
// both; later, a summary starts afresh.
func TestSummaryMerges(t *testing.T) {
	p := New()
	first := p.Add(t0, items(11, "Work"))
	p.Add(t0.Add(100*time.Millisecond), items(9, "Work"))
	second := p.Flush(p.Deadline())
	if len(first) != 1 || len(second) != 1 || second[0].Summary != "20 new messages in Work" || len(second[0].Keys) != 20 {
		t.Fatalf("first %+v second %+v", first, second)
	}
	p.SummaryClosed()
	p.Add(t0.Add(3*time.Second), items(4, "Work"))
	if got := p.Flush(t0.Add(5 * time.Second)); got != nil {
		t.Fatalf("nothing pending: %+v", got)
	}
	later := p.Add(t0.Add(MergeWindow+time.Minute), items(5, "Work"))
	if len(later) != 1 || later[0].Summary != "5 new messages in Work" {
		t.Fatalf("later %+v", later)
	}
}

// The last few of a burst, after its summary, join the summary.
func TestBurstTailJoinsSummary(t *testing.T) {
	p := New()
	p.Add(t0, items(18, "Home"))
	p.Add(t0.Add(100*time.Millisecond), items(2, "Tail"))
	got := p.Flush(p.Deadline())
	if len(got) != 1 || !got[0].Group || len(got[0].Keys) != 20 {
		t.Fatalf("got %+v", got)
	}
}
