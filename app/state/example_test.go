package state_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"mailbell/app/state"
	"mailbell/mail"
)

// The watcher's caller announces new mail, then commits the position and the
// announced messages together; the next start resumes from there.
func Example() {
	dir, _ := os.MkdirTemp("", "mailbell-state-")
	defer os.RemoveAll(dir)

	st, err := state.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	k := state.Key{Account: "acct1", Folder: "Lists/go"}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	err = st.Commit(k, mail.Position{UIDValidity: 1700000000, LastUID: 42}, []state.Recent{{
		UID: 42, UIDValidity: 1700000000, From: "Ann Lee", FromAddr: "ann@example.com",
		Subject: "Quarterly report", Date: at.Add(-time.Minute), Arrived: at,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(filepath.Join(dir, state.FileName))
	fmt.Print(string(data))
	// Output:
	// {
	//  "version": 1,
	//  "positions": [
	//   {
	//    "account": "acct1",
	//    "folder": "Lists/go",
	//    "uidvalidity": 1700000000,
	//    "last_uid": 42
	//   }
	//  ],
	//  "recent": [
	//   {
	//    "account": "acct1",
	//    "folder": "Lists/go",
	//    "uid": 42,
	//    "uidvalidity": 1700000000,
	//    "from": "Ann Lee",
	//    "from_addr": "ann@example.com",
	//    "subject": "Quarterly report",
	//    "date": "2025-03-01T11:59:00Z",
	//    "seen": false,
	//    "arrived": "2025-03-01T12:00:00Z"
	//   }
	//  ]
	// }
}
