package control

// CmdLooked says the person has just looked at their mail in Mailbell (the
// tray sends it when its menu opens): with preferences "count": "new" the
// count starts again from 0. Opening the window (show_window) does the same.
const CmdLooked = "looked"
