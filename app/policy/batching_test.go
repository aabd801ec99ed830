package policy

import (
	"testing"
	"time"

	"mailbell/app/rules"
)

// "each": one notification per message, at once, never a summary; one
// sound for the burst.
func TestBatchingEach(t *testing.T) {
	p := New()
	p.Batching = rules.BatchEach
	p.Sound = true
	got := p.Add(t0, items(12, "Work"))
	if len(got) != 12 {
		t.Fatalf("%d notifications, want 12", len(got))
	}
	for i, n := range got {
		if n.Group || len(n.Keys) != 1 || n.Summary != items(12, "Work")[i].From {
			t.Fatalf("notification %d: %+v", i, n)
		}
	}
	if sounds(got) != 1 || !got[0].Sound {
		t.Fatalf("sounds: %+v", got)
	}
	// The rest of the burst: shown at once, silent; nothing waits.
	more := p.Add(t0.Add(500*time.Millisecond), items(2, "Work"))
	if len(more) != 2 || sounds(more) != 0 || !p.Deadline().IsZero() {
		t.Fatalf("rest of the burst: %+v, deadline %v", more, p.Deadline())
	}
	// Later, a new burst: a new sound.
	later := p.Add(t0.Add(time.Minute), items(1, "Work"))
	if len(later) != 1 || !later[0].Sound {
		t.Fatalf("later: %+v", later)
	}
	// What a pause held is one summary even in "each".
	p.Pause(t0.Add(time.Hour))
	p.Add(t0.Add(2*time.Minute), items(5, "Work"))
	if got := p.Resume(t0.Add(3 * time.Minute)); len(got) != 1 || !got[0].Group || !got[0].Sound {
		t.Fatalf("resume in each mode: %+v", got)
	}
}

// "summarise" (and "", the default): today's policy, one sound per burst.
func TestBatchingSummarise(t *testing.T) {
	for _, mode := range []rules.Batching{"", rules.BatchSummarise} {
		p := New()
		p.Batching = mode
		p.Sound = true
		var shown []Notification
		for i, it := range items(20, "Work") {
			shown = append(shown, p.Add(t0.Add(time.Duration(i)*10*time.Millisecond), []Item{it})...)
		}
		shown = append(shown, p.Flush(p.Deadline())...)
		if len(shown) != 2 || shown[1].Summary != "19 new messages in Work" {
			t.Fatalf("%q: %+v", mode, shown)
		}
		// The trickle is one burst: the first message has the sound, the
		// summary of the rest does not.
		if !shown[0].Sound || shown[1].Sound {
			t.Fatalf("%q: sounds %v %v", mode, shown[0].Sound, shown[1].Sound)
		}
	}
}

// Sound once per batch: a burst of three singles has one sound, on the
// first; a summary has one; a summary that replaces an open one within the
// same burst has none; sound off, or every account's sound off, none.
func TestSoundOncePerBatch(t *testing.T) {
	p := New()
	p.Sound = true
	p.Add(t0, items(3, "A"))
	got := p.Flush(p.Deadline())
	if len(got) != 3 || !got[0].Sound || sounds(got) != 1 {
		t.Fatalf("three singles: %+v", got)
	}

	p = New()
	p.Sound = true
	first := p.Add(t0, items(11, "A"))
	p.Add(t0.Add(100*time.Millisecond), items(9, "A"))
	second := p.Flush(p.Deadline())
	if sounds(first) != 1 || len(second) != 1 || second[0].Sound {
		t.Fatalf("first %+v second %+v", first, second)
	}
	// A new burst later: its summary sounds again.
	third := p.Add(t0.Add(time.Minute), items(5, "A"))
	if len(third) != 1 || !third[0].Sound {
		t.Fatalf("third %+v", third)
	}

	p = New() // Sound off
	if got := p.Add(t0, items(1, "A")); sounds(got) != 0 {
		t.Fatalf("sound off: %+v", got)
	}

	// The first message's account is silent: the sound goes with the first
	// notification of an account that has sound.
	p = New()
	p.Sound = true
	it := append(items(1, "Quiet"), items(2, "Loud")...)
	it[0].SoundOff = true
	p.Add(t0, it)
	got = p.Flush(p.Deadline())
	if len(got) != 3 || got[0].Sound || !got[1].Sound || got[2].Sound {
		t.Fatalf("per-account sound: %+v", got)
	}
	p = New()
	p.Sound = true
	it = items(1, "Quiet")
	it[0].SoundOff = true
	if got := p.Add(t0, it); len(got) != 1 || got[0].Sound {
		t.Fatalf("silent account: %+v", got)
	}

	// Never while paused: the summary on resume is its own batch.
	p = New()
	p.Sound = true
	p.Pause(t0.Add(time.Hour))
	p.Add(t0, items(2, "A"))
	if got := p.Resume(t0.Add(time.Minute)); len(got) != 1 || !got[0].Sound {
		t.Fatalf("resume: %+v", got)
	}
}
