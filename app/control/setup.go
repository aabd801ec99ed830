package control

// ViewSetup is the first-run window (show_window's View, the window
// program's --view): "Add your mail account", with the settings found from
// the address. The background process opens it at start while no account
// is configured.
const ViewSetup = "setup"
