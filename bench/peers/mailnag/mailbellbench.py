"""A Mailnag plugin for Mailbell's benchmarks: it writes one line per new
mail it is told of, "<unix time in ns>\t<subject>", to the file named by
$MAILBELL_BENCH_RECORD, flushed at once. The time is taken when Mailnag calls
its mails-added hook, the same hook its libnotify plugin shows
notifications from.

The benchmark copies this file into $XDG_CONFIG_HOME/mailnag/plugins/ and
lists "mailbellbench" in enabled_plugins.
"""

import os
import threading
import time

from Mailnag.common.plugins import HookTypes, Plugin


class MailbellBenchPlugin(Plugin):
    def __init__(self):
        self._hook = None
        self._out = None
        self._lock = threading.Lock()

    def enable(self):
        path = os.environ.get("MAILBELL_BENCH_RECORD", "")
        if not path:
            raise RuntimeError("MAILBELL_BENCH_RECORD is not set")
        self._out = open(path, "a", encoding="utf-8")

        def mails_added(new_mails, all_mails):
            now = time.time_ns()
            with self._lock:
                for m in new_mails:
                    subject = (m.subject or "").replace("\t", " ").replace("\n", " ")
                    self._out.write("%d\t%s\n" % (now, subject))
                self._out.flush()

        self._hook = mails_added
        self.get_mailnag_controller().get_hooks().register_hook_func(HookTypes.MAILS_ADDED, self._hook)

    def disable(self):
        if self._hook is not None:
            self.get_mailnag_controller().get_hooks().unregister_hook_func(HookTypes.MAILS_ADDED, self._hook)
            self._hook = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def get_manifest(self):
        return ("Mailbell bench recorder", "Records when Mailnag is told of new mail.", "1.0", "mailbell")

    def get_default_config(self):
        return {}

    def has_config_ui(self):
        return False

    def get_config_ui(self):
        return None

    def load_ui_from_config(self, config_ui):
        pass

    def save_ui_to_config(self, config_ui):
        pass
