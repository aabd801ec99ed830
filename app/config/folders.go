package config

// AllFolders is the "folders" entry that means every folder of the
// account but Junk, Trash, Sent and Drafts (and the virtual All Mail and
// Flagged ones): `"folders": ["*"]`. The core lists the folders at each
// connect of the account; until then, and anywhere that cannot list,
// INBOX is watched.
const AllFolders = "*"

// WatchesAll reports whether the account's folders are AllFolders.
func (a Account) WatchesAll() bool {
	for _, f := range a.Folders {
		if f == AllFolders {
			return true
		}
	}
	return false
}
