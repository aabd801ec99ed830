// Package config reads and writes Mailbell's config.json: the accounts to
// watch and the preferences. The file holds no secrets; passwords live in the
// keyring (service "mailbell", user = the account's id) or come from the
// account's password_command.
//
// # Where
//
// The config folder is --config-dir DIR, else $MAILBELL_CONFIG_DIR, else the
// user config folder ($XDG_CONFIG_HOME or ~/.config on Linux) + "/mailbell".
// The file is config.json in it. A missing file is an empty config. The file
// is written atomically with mode 0600; a file that does not load (bad JSON,
// an unknown field, an invalid value) is never overwritten: fix it or move it
// away. Every problem is reported at once, each with the file, line, column
// and field, e.g.
//
//	/home/ann/.config/mailbell/config.json:7:15: accounts[0].port: want a whole number, got a string
//
// # Schema
//
//	{
//	  "accounts": [                      // the accounts, in display order
//	    {
//	      "id": "acct1",                 // required, unique: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit
//	      "name": "Work",                // shown in notifications and menus (default: email, else host)
//	      "email": "ann@example.com",    // the address; the default username
//	      "host": "imap.example.com",    // required: a host name or IP address, no port, no URL
//	      "port": 993,                   // default 993 for "tls", 143 for "starttls" and "plain"
//	      "security": "tls",             // "tls" (default), "starttls", or "plain" (localhost only)
//	      "username": "ann",             // default: email
//	      "folders": ["INBOX"],          // folders to watch (default ["INBOX"])
//	      "ca_file": "/path/ca.pem",     // extra trusted CA certificates (PEM); "~/" is home, relative is to the config folder
//	      "password_command": "pass show mail", // prints the password; default: the keyring
//	      "enabled": true                // false: keep the account but do not watch it (default true)
//	    }
//	  ],
//	  "preferences": {                   // every field optional
//	    "notifications": true,           // desktop notifications on new mail (default true)
//	    "show_sender": true,             // the sender in notifications (default true)
//	    "show_subject": true,            // the subject in notifications (default true)
//	    "idle_refresh_minutes": 9,       // re-issue IDLE this often, 1-29 (default 9)
//	    "poll_seconds": 60,              // check this often when a server has no IDLE, 10-3600 (default 60)
//	    "start_at_login": false          // start Mailbell when you log in (default false)
//	  }
//	}
//
// The notification settings (package rules) add, per account, "notify",
// "sound", "aliases" and "folder_options" ({"Lists/golang": {"notify":
// false}}), and in "preferences" "rules" ({"mute_senders", "mute_subjects",
// "vip_senders", "vip_breaks_quiet"}), "quiet_hours" ({"from": "22:00",
// "to": "07:00", "days": ["mon", …]}), "sound" ({"enabled", "file"}),
// "popup" ("default" or "persistent") and "batching" ("summarise" or
// "each"); see rules.AccountOptions and rules.Preferences. Their problems
// are reported like the others, with file position and field
// ("preferences.rules.mute_senders[1]").
//
// (The comments are for this page only: the file is plain JSON, without
// comments.) Unknown fields are refused, so a misspelt field name is an error
// rather than a silently ignored setting. A "password" field is refused too.
//
// # Example
//
//	{
//	  "accounts": [
//	    {"id": "work", "name": "Work", "email": "ann@example.com", "host": "imap.example.com"},
//	    {"id": "home", "email": "ann@example.org", "host": "mail.example.org", "port": 143,
//	     "security": "starttls", "folders": ["INBOX", "Lists/golang"],
//	     "password_command": "pass show mail/home"},
//	    {"id": "test", "host": "127.0.0.1", "port": 3143, "security": "plain",
//	     "username": "alice", "enabled": false}
//	  ],
//	  "preferences": {"show_subject": false, "idle_refresh_minutes": 5}
//	}
package config
