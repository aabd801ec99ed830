package app

// wake asks every watcher to drop its connection and connect and sync at
// once: after a suspend or a change of network the old connections are
// usually dead, and waiting for a silence watchdog or a backoff would
// leave new mail unannounced for minutes. Mail that arrived meanwhile is
// announced once, as after any reconnect.
func (c *Core) wake() {
	n := 0
	for _, r := range c.watchers {
		if !r.stopped { // a stopped one waits for the user, not the network
			r.watcher.Reconnect()
			n++
		}
	}
	c.log.Info("woke up: reconnecting", "watchers", n)
}
