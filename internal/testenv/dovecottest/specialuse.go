package dovecottest

// SpecialUseFolders is an Options.ExtraConfig: a namespace whose folders
// carry SPECIAL-USE attributes under names no heuristic would recognise
// (Unerwünscht is \Junk, Papierkorb \Trash, Gesendet \Sent, Entwurf
// \Drafts), so their roles can only come from the attributes; Lists is
// an ordinary folder.
const SpecialUseFolders = `
namespace inbox {
  mailbox "Unerwünscht" {
    special_use = \Junk
    auto = create
  }
  mailbox Papierkorb {
    special_use = \Trash
    auto = create
  }
  mailbox Gesendet {
    special_use = \Sent
    auto = create
  }
  mailbox Entwurf {
    special_use = \Drafts
    auto = create
  }
  mailbox Lists {
    auto = create
  }
}
`
