package oauth

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"golang.org/x/oauth2"
)

// emailOf is the address an ID token in tok's answer names, or "". The ID
// token came straight from the token endpoint over the connection we
// opened, so its signature is not checked (OpenID Connect Core 3.1.3.7
// allows TLS to stand in for it); it is only used to show "Signed in as".
// Microsoft puts the address in preferred_username when email is absent.
func emailOf(tok *oauth2.Token) string {
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	for _, v := range []string{c.Email, c.PreferredUsername} {
		if strings.Contains(v, "@") && len(v) < 320 && !strings.ContainsAny(v, " \t\r\n<>\"") {
			return v
		}
	}
	return ""
}
