// Package demo is Mailbell's built-in demo: an in-memory IMAP server on
// loopback (TLS, with its own CA), a demo account in a temporary config
// folder, and realistic mail arriving every few seconds — once as a burst,
// to show the summary. Nothing of the user's is touched.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailbell/app/config"
	"mailbell/internal/demo/memserver"
)

const (
	AccountID = "demo"
	user      = "you"
	// Password of the demo account; it lives in the demo's memory store only.
	Password = "demo-password"
)

// Demo is a running demo server with its config folder.
type Demo struct {
	Dir    string // temporary config and state folder
	server *memserver.Server
	log    *slog.Logger
}

// Start starts the server and writes the demo's config.json into a fresh
// temporary folder.
func Start(log *slog.Logger) (*Demo, error) {
	srv, err := memserver.Start(memserver.Config{Mode: memserver.TLS, Users: map[string]string{user: Password}})
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	dir, err := os.MkdirTemp("", "mailbell-demo-")
	if err != nil {
		srv.Close()
		return nil, err
	}
	d := &Demo{Dir: dir, server: srv, log: log}
	if err := os.WriteFile(filepath.Join(dir, "demo-ca.pem"), srv.CAPEM(), 0o600); err != nil {
		d.Close()
		return nil, err
	}
	cfg := config.New()
	cfg.Accounts = []config.Account{{
		ID: AccountID, Name: "Demo", Email: "you@demo.example", Host: "127.0.0.1", Port: srv.Port(),
		Security: "tls", Username: user, Folders: []string{"INBOX"}, CAFile: filepath.Join(dir, "demo-ca.pem"),
	}}
	if err := config.Save(dir, cfg); err != nil {
		d.Close()
		return nil, err
	}
	// Mail already there: it fills the recent list but is never announced.
	now := time.Now()
	for i, m := range inbox {
		d.deliver(m, now.Add(-time.Duration(len(inbox)-i)*37*time.Minute), i < 3)
	}
	return d, nil
}

// Run delivers mail until ctx ends: one message every few seconds, and a
// burst of six after the fourth.
func (d *Demo) Run(ctx context.Context) {
	next := 0
	wait := func(dur time.Duration) bool {
		t := time.NewTimer(dur)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for round := 0; ; round++ {
		if !wait(time.Duration(4000+rand.IntN(4000)) * time.Millisecond) {
			return
		}
		if round == 4 {
			for range 6 {
				d.deliver(arriving[next%len(arriving)], time.Now(), false)
				next++
			}
			continue
		}
		d.deliver(arriving[next%len(arriving)], time.Now(), false)
		next++
	}
}

func (d *Demo) deliver(m letter, at time.Time, seen bool) {
	var flags []imap.Flag
	if seen {
		flags = append(flags, imap.FlagSeen)
	}
	if _, err := d.server.Append(user, "INBOX", memserver.Message(m.from, "You <you@demo.example>", m.subject, at), flags...); err != nil {
		d.log.Warn("demo: delivering a message", "err", err)
	}
}

// Close stops the server and removes the temporary folder.
func (d *Demo) Close() {
	d.server.Close()
	os.RemoveAll(d.Dir)
}

type letter struct{ from, subject string }

var inbox = []letter{
	{"Mailbell <hello@mailbell.example>", "Welcome to the Mailbell demo"},
	{"Priya Raman <priya@studio.example>", "Photos from Saturday"},
	{"GitHub <noreply@github.example>", "[mailbell] CI passed on main"},
	{"Tomás Ortega <tomas@acme.example>", "Re: Q4 budget — final numbers"},
	{"Lena Fischer <lena@example.org>", "Grüße aus Berlin 🎄"},
	// Mail in other scripts, newest: each needs a system font (README: "Fonts").
	{"田中 由紀 <yuki@example.jp>", "明日の会議について"},
	{"王芳 <wang.fang@example.cn>", "关于下周会议的安排"},
	{"김민준 <minjun@example.kr>", "회의 자료를 보내드립니다"},
	{"ليلى حداد <layla@example.ae>", "مرحبا، هذا تقرير الأسبوع"},
	{"נועה לוי <noa@example.il>", "שלום רב מצוות הפיתוח"},
	{"Olu Adeyemi <olu@example.ng>", "Party on Friday 🎉📬"},
}

var arriving = []letter{
	{"Ann Lee <ann@acme.example>", "Quarterly report"},
	{"김민준 <minjun@example.kr>", "점심 같이 해요? 🍜"},
	{"ليلى حداد <layla@example.ae>", "موعد الاجتماع غدا"},
	{"Yuki Tanaka <yuki@example.jp>", "会議の議事録 (meeting notes)"},
	{"Bob Martin <bob@acme.example>", "Lunch on Thursday?"},
	{"Calendar <calendar@acme.example>", "Invitation: Design review @ Fri 10:00"},
	{"Priya Raman <priya@studio.example>", "Re: Photos from Saturday"},
	{"Bank <alerts@bank.example>", "Your statement is ready"},
	{"Ann Lee <ann@acme.example>", "Re: Quarterly report — one more chart"},
	{"Newsletter <news@weekly.example>", "This week: IMAP IDLE explained"},
	{"Olu Adeyemi <olu@example.ng>", "Flight details for next week"},
	{"Bob Martin <bob@acme.example>", "Re: Lunch on Thursday?"},
	{"Shop <orders@shop.example>", "Your order has shipped"},
	{"Marta Nowak <marta@example.pl>", "Draft contract attached"},
}
