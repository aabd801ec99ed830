package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Account is one account of a config.json written by a test (the fields of
// app/config's schema that the tests use).
type Account struct {
	ID              string   `json:"id"`
	Host            string   `json:"host"`
	Port            int      `json:"port,omitempty"`
	Security        string   `json:"security,omitempty"`
	Username        string   `json:"username,omitempty"`
	Folders         []string `json:"folders,omitempty"`
	CAFile          string   `json:"ca_file,omitempty"`
	PasswordCommand string   `json:"password_command,omitempty"`
	Enabled         *bool    `json:"enabled,omitempty"`
}

// WriteConfig writes dir/config.json (mode 0600) with the accounts and the
// default preferences.
func WriteConfig(dir string, accounts ...Account) error {
	data, err := json.MarshalIndent(map[string]any{"accounts": accounts}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
