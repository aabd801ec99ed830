package control

// CmdListFolders lists an account's folders on its server: Settings (the
// account as edited, with OriginalID, Secret and SignIn as for
// test_account) or Account (a saved account's id). Reply: Folders.
const CmdListFolders = "list_folders"

// Folder is one folder of list_folders' reply.
type Folder struct {
	Name string `json:"name"`
	// Role is the folder's special use ("inbox", "junk", "trash", "sent",
	// "drafts", "archive", "all", "flagged") or "".
	Role string `json:"role,omitempty"`
	// Selectable: it can hold mail (LIST without \Noselect).
	Selectable bool `json:"selectable"`
	// InAll: `"folders": ["*"]` watches it (not Junk, Trash, Sent, Drafts,
	// All Mail, Flagged).
	InAll bool `json:"in_all"`
	// NeverNotifies: Junk and Trash never notify, even when chosen.
	NeverNotifies bool `json:"never_notifies,omitempty"`
}
