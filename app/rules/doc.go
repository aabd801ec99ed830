// Package rules holds what the person chose about notifications and decides,
// message by message, whether one may notify: the config-side types
// (per-account "notify", "aliases", "folder_options"; the preferences'
// "rules", "quiet_hours", "sound", "popup", "batching") with their
// validation, the compiled rules with a verdict per message, and the quiet
// hours schedule.
//
// It is separate from app/policy on purpose: policy decides when and how
// notifications are shown (batching, pauses, summaries) and is driven by the
// caller's clock; rules decides what is allowed to make a sound at all and
// must describe itself in words for the settings window. The core asks rules
// for a verdict first, so a muted message is still counted, listed and
// printed ("muted": true), then hands the message to policy with the verdict.
//
// A rule mutes, it never drops: nothing here removes a message from the
// counts or the recent list.
//
// No Fyne, no I/O: config's loader embeds these types and reports their
// Problems with its own positions.
package rules
