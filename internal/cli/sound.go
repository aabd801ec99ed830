package cli

import (
	"mailbell/app/policy"
	"mailbell/app/rules"
	"mailbell/platform/notify"
)

// withSoundAndPopup maps the policy's sound and the pop-up preference to
// the desktop notification: the theme's new-mail sound, or the file the
// person picked, on the notifications that ask for one (platform/notify
// sends it as a hint where the server plays sounds, else plays it itself);
// and a pop-up that stays until dismissed.
func withSoundAndPopup(n *notify.Notification, p policy.Notification) {
	if p.Sound {
		n.Sound = notify.Sound{Name: rules.ThemeSound, File: p.SoundFile}
	}
	n.Persistent = p.Persistent
}
