package cli

import (
	"context"
	"log/slog"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/platform/wake"
)

// followWake turns platform/wake's events (logind's resume, NetworkManager
// coming online, a jump of the wall clock) into the core's wake command
// until ctx ends.
func followWake(ctx context.Context, core *app.Core, log *slog.Logger) {
	w := wake.Start(ctx, wake.Options{Logger: log})
	for ev := range w.C {
		log.Info("wake", "source", string(ev.Source), "slept", ev.Slept.Round(time.Second))
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := core.Do(cctx, control.Command{Cmd: control.CmdWake}); err != nil && ctx.Err() == nil {
			log.Warn("wake not handled", "err", err)
		}
		cancel()
	}
}
