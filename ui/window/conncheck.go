package window

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// connCheck is the account form's "Test connection": the core logs in with
// the form's values and examines the first folder (test_account), with the
// typed password or, when none is typed, the one it has stored — the
// window never sees a stored password. The form stays usable meanwhile.
//
// Cancel stops waiting at once: the window drops the core's late answer
// (each test has a generation number), and the core's own probe timeout
// ends the connection. A cancel command to the core would not spare that
// check — its answer may already be on the way — and would only shorten a
// probe that is bounded anyway.
type connCheck struct {
	f       *accountForm
	content fyne.CanvasObject

	btn      *widget.Button
	activity *widget.Activity
	result   *widget.Label

	gen     int                // the test whose answer is awaited
	stop    context.CancelFunc // nil: no test running
	dropped int                // late answers ignored (for the tests)
}

func newConnCheck(f *accountForm) *connCheck {
	c := &connCheck{f: f}
	c.buildUI()
	return c
}

func (c *connCheck) buildUI() {
	c.activity = widget.NewActivity()
	c.activity.Hide()
	c.result = widget.NewLabel("")
	c.result.Wrapping = fyne.TextWrapWord
	c.btn = widget.NewButtonWithIcon(l10n.T("settings.test.button"), theme.MailSendIcon(), c.onTapped)
	c.content = container.NewBorder(nil, nil, container.NewHBox(c.btn, c.activity), nil, c.result)
}

func (c *connCheck) running() bool { return c.stop != nil }

// enable allows a test (a running one can always be cancelled).
func (c *connCheck) enable(ok bool) {
	if ok || c.running() {
		c.btn.Enable()
	} else {
		c.btn.Disable()
	}
}

// clear forgets the last result (a new account in the form).
func (c *connCheck) clear() { c.result.SetText("") }

// formChanged: an old result no longer describes the form.
func (c *connCheck) formChanged() {
	if !c.running() {
		c.result.SetText("")
	}
}

func (c *connCheck) onTapped() {
	if c.running() {
		c.cancel()
		c.result.Importance = widget.MediumImportance
		c.result.SetText(l10n.T("settings.test.cancelled"))
		return
	}
	c.start()
}

// cancel stops waiting for the running test, if any.
func (c *connCheck) cancel() {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	c.gen++
	c.activity.Stop()
	c.activity.Hide()
	c.btn.SetText(l10n.T("settings.test.button"))
}

func (c *connCheck) start() {
	f := c.f
	if f.s.cfg == nil {
		return
	}
	v := f.values()
	a := v.Account(f.base)
	orig := f.originalID()
	test := f.signin.tester()
	c.gen++
	gen := c.gen
	ctx, stop := context.WithCancel(f.s.ctx)
	c.stop = stop
	c.btn.SetText(l10n.T("settings.test.cancel"))
	c.activity.Show()
	c.activity.Start()
	c.result.Importance = widget.MediumImportance
	c.result.SetText(l10n.T("settings.test.testing"))
	go func() {
		defer stop()
		r := test(ctx, a, orig, v.Password)
		f.s.u.ui(func() { c.onResult(gen, r) })
	}()
}

func (c *connCheck) onResult(gen int, r settings.TestResult) {
	if gen != c.gen {
		c.dropped++ // cancelled, or another test started
		return
	}
	c.stop = nil
	c.activity.Stop()
	c.activity.Hide()
	c.btn.SetText(l10n.T("settings.test.button"))
	if r.OK {
		c.result.Importance = widget.SuccessImportance
	} else {
		c.result.Importance = widget.DangerImportance
	}
	c.result.SetText(r.Text)
	c.f.validate()
	if len(r.Errors) > 0 { // the core's words next to the fields it refused
		c.f.showErrors(r.Errors, true)
	}
}
