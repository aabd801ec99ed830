package discover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"mailbell/mail"
)

// Defaults for Options left zero.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultStepTimeout = 4 * time.Second
	DefaultISPDBURL    = "https://autoconfig.thunderbird.net/v1.1/"
)

// Options are Lookup's dependencies and bounds; the zero value is the real
// thing (system resolver, verified HTTPS, Thunderbird's ISPDB).
type Options struct {
	HTTPClient  *http.Client // nil: http.DefaultClient; redirects are limited to https either way
	Resolver    Resolver     // nil: net.DefaultResolver
	Prober      Prober       // nil: NetProber{}
	ISPDBURL    string       // base URL, the domain is appended; "": DefaultISPDBURL
	Timeout     time.Duration
	StepTimeout time.Duration // each HTTP request, DNS query or connection
	MaxXMLSize  int64         // 0: DefaultMaxXMLSize
	// Progress, when set, is called on Lookup's goroutine before each
	// source is consulted. It must return quickly (a UI hands it to its
	// own goroutine, e.g. with fyne.Do).
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Prober == nil {
		o.Prober = NetProber{}
	}
	if o.ISPDBURL == "" {
		o.ISPDBURL = DefaultISPDBURL
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
	if o.MaxXMLSize <= 0 {
		o.MaxXMLSize = DefaultMaxXMLSize
	}
	return o
}

// search is one Lookup's state.
type search struct {
	opts     Options
	client   *http.Client
	addr     address
	attempts []Attempt
}

// Lookup finds the IMAP settings for email, trying the sources in the order
// the package documentation gives and returning the first good answer.
// With no answer the error matches ErrNotFound (a *NotFoundError lists what
// was tried); when ctx ends or the overall Timeout passes, the error wraps
// ctx's error (context.Canceled or context.DeadlineExceeded).
func Lookup(ctx context.Context, email string, opts Options) (Result, error) {
	a, err := parseAddress(email)
	if err != nil {
		return Result{}, err
	}
	s := &search{opts: opts.withDefaults(), addr: a}
	s.client = httpsOnly(s.opts.HTTPClient)
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()

	// 1. presets: no network.
	s.progress(Progress{Source: SourcePreset, Domain: a.domain})
	if p, ok := presetForDomain(a.domain); ok {
		return p.result(a), nil
	}
	s.attempts = append(s.attempts, Attempt{SourcePreset, a.domain, errors.New("not a known provider")})

	// 2–5, asked at once, answers taken in order.
	var mx struct{ host, domain string }
	r, ok, err := s.firstGood(ctx, []step{
		s.configStep(SourceAutoconfig, a.domain, "", autoconfigURL(a.domain, a)),
		s.configStep(SourceWellKnown, a.domain, "", wellKnownURL(a.domain)),
		s.configStep(SourceISPDB, a.domain, "", ispdbURL(s.opts.ISPDBURL, a.domain)),
		{source: SourceMX, domain: a.domain, run: func(ctx context.Context) (Result, error) {
			h, d, err := s.mxHost(ctx, a.domain)
			mx.host, mx.domain = h, d
			return Result{}, err
		}, then: func(ctx context.Context) (Result, bool, error) {
			return s.viaMX(ctx, mx.host, mx.domain)
		}},
		{source: SourceSRV, domain: a.domain, run: func(ctx context.Context) (Result, error) { return s.srv(ctx, a) }},
	})
	if ok || err != nil {
		return r, err
	}

	// 6. the guess, verified by connecting.
	s.progress(Progress{Source: SourceGuess, Domain: a.domain})
	r, err = s.guess(ctx)
	if err == nil {
		return r, nil
	}
	if ctx.Err() != nil {
		return Result{}, s.stopped(ctx)
	}
	s.attempts = append(s.attempts, Attempt{SourceGuess, a.domain, err})
	return Result{}, &NotFoundError{Domain: a.domain, Attempts: s.attempts}
}

// step is one source. run does the network part and may run concurrently
// with other steps; then, when set, runs on Lookup's goroutine after run
// succeeded, once the step's turn has come (the MX step asks further
// sources there, with their own progress lines).
type step struct {
	source Source
	domain string
	mxHost string
	run    func(context.Context) (Result, error)
	then   func(context.Context) (Result, bool, error)
}

func (s *search) configStep(src Source, domain, mxHost, url string) step {
	return step{source: src, domain: domain, mxHost: mxHost, run: func(ctx context.Context) (Result, error) {
		r, err := s.fetchConfig(ctx, url, s.addr)
		if err != nil {
			return Result{}, err
		}
		r.Source, r.AddressDomain, r.Domain, r.MXHost = src, s.addr.domain, domain, mxHost
		return r, nil
	}}
}

type outcome struct {
	r   Result
	err error
}

// firstGood starts every step's run at once and takes the answers in the
// steps' order: the first that succeeds wins. ok is false when all failed
// (recorded in s.attempts); err is set only when ctx ended. It returns once
// every run it started has ended.
func (s *search) firstGood(ctx context.Context, steps []step) (r Result, ok bool, err error) {
	gctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	outs := make([]chan outcome, len(steps))
	for i, st := range steps {
		outs[i] = make(chan outcome, 1)
		wg.Go(func() {
			r, err := st.run(gctx)
			outs[i] <- outcome{r, err}
		})
	}
	for i, st := range steps {
		s.progress(Progress{Source: st.source, Domain: st.domain, MXHost: st.mxHost})
		var o outcome
		select {
		case o = <-outs[i]:
		case <-ctx.Done():
			return Result{}, false, s.stopped(ctx)
		}
		if o.err == nil && st.then != nil {
			var found bool
			o.r, found, o.err = st.then(gctx)
			if o.err != nil && ctx.Err() != nil {
				return Result{}, false, s.stopped(ctx)
			}
			if o.err == nil && !found {
				continue // then recorded its own attempts
			}
		}
		if o.err == nil {
			return o.r, true, nil
		}
		if ctx.Err() != nil {
			return Result{}, false, s.stopped(ctx)
		}
		slog.Debug("discover: source failed", "source", st.source.String(), "domain", st.domain, "err", o.err)
		s.attempts = append(s.attempts, Attempt{st.source, st.domain, o.err})
	}
	return Result{}, false, nil
}

// viaMX asks the presets, autoconfig and ISPDB of the MX host's registrable
// domain. found is false when none answered (their failures are recorded).
func (s *search) viaMX(ctx context.Context, mxHost, mxDomain string) (Result, bool, error) {
	a := s.addr
	if mxDomain == a.domain {
		s.attempts = append(s.attempts, Attempt{SourceMX, a.domain, fmt.Errorf("mail host %s is in the same domain, already asked", mxHost)})
		return Result{}, false, nil
	}
	s.progress(Progress{Source: SourcePreset, Domain: mxDomain, MXHost: mxHost})
	if p, ok := presetForMX(mxDomain); ok {
		return p.hostedResult(a, mxHost, mxDomain), true, nil
	}
	return s.firstGood(ctx, []step{
		s.configStep(SourceAutoconfig, mxDomain, mxHost, autoconfigURL(mxDomain, a)),
		s.configStep(SourceISPDB, mxDomain, mxHost, ispdbURL(s.opts.ISPDBURL, mxDomain)),
	})
}

// guess probes imap.DOMAIN and mail.DOMAIN, 993 TLS then 143 STARTTLS, all
// at once, and keeps the first in that order that answered.
func (s *search) guess(ctx context.Context) (Result, error) {
	type cand struct {
		host string
		port int
		sec  mail.Security
	}
	var cands []cand
	for _, h := range []string{"imap." + s.addr.domain, "mail." + s.addr.domain} {
		cands = append(cands, cand{h, 993, mail.SecurityTLS}, cand{h, 143, mail.SecuritySTARTTLS})
	}
	steps := make([]step, len(cands))
	for i, c := range cands {
		steps[i] = step{source: SourceGuess, domain: s.addr.domain, run: func(ctx context.Context) (Result, error) {
			ctx, cancel := context.WithTimeout(ctx, s.opts.StepTimeout)
			defer cancel()
			if err := s.opts.Prober.Probe(ctx, c.host, c.port, c.sec); err != nil {
				return Result{}, err
			}
			return Result{
				Host: c.host, Port: c.port, Security: c.sec, Username: s.addr.full, Auth: AuthPassword,
				Source: SourceGuess, AddressDomain: s.addr.domain, Domain: s.addr.domain,
			}, nil
		}}
	}
	// The guess reports one progress line, not one per probe.
	g := &search{opts: s.opts, client: s.client, addr: s.addr}
	g.opts.Progress = nil
	r, ok, err := g.firstGood(ctx, steps)
	if err != nil || ok {
		return r, err
	}
	errs := make([]error, len(g.attempts))
	for i, at := range g.attempts {
		errs[i] = at.Err
	}
	return Result{}, errors.Join(errs...)
}

func (s *search) progress(p Progress) {
	if s.opts.Progress != nil {
		s.opts.Progress(p)
	}
}

// stopped is the error for a search ended by ctx: the caller's cancel or
// the overall bound.
func (s *search) stopped(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		// The bound may be ours (Options.Timeout) or a shorter one of the
		// caller's: say neither number.
		return fmt.Errorf("discovery for %s ran out of time: %w", s.addr.domain, context.DeadlineExceeded)
	}
	return fmt.Errorf("discovery for %s: %w", s.addr.domain, ctx.Err())
}
