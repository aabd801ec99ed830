//go:build !unix

package paths

import "io/fs"

// Windows: the profile folder's ACLs already keep other users out.
func checkOwner(fs.FileInfo) error { return nil }
