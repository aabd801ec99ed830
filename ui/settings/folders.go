package settings

import (
	"context"

	"mailbell/app/config"
	"mailbell/app/control"
)

// ListFolders asks the core for the folders of account a as edited (with
// secret if typed, else the password stored for originalID), for the
// folder picker. The core's own timeout ends the listing.
func (c *Controller) ListFolders(ctx context.Context, a config.Account, originalID, secret string) ([]control.Folder, error) {
	ev, err := c.call(ctx, TestTimeout, control.Command{Cmd: control.CmdListFolders, Settings: &a, OriginalID: originalID, Secret: secret})
	return ev.Folders, err
}

// FolderText is what the folders field shows for a: "*" for all folders,
// else the folders to watch, comma-separated.
func FolderText(a config.Account) string {
	if a.WatchesAll() {
		return joinFolders(a.Folders)
	}
	return joinFolders(a.EffectiveFolders())
}

func joinFolders(fs []string) string {
	out := ""
	for i, f := range fs {
		if i > 0 {
			out += ", "
		}
		out += f
	}
	return out
}
