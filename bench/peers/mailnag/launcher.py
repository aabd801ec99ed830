#!/usr/bin/python3
"""Run Debian's Mailnag (2.2) as a benchmark peer, kept on this machine.

Mailbell's benchmarks (bench/peers) start this with /usr/bin/python3 (the
interpreter Debian's python3-gi, python3-dbus and Mailnag are installed for)
inside a private D-Bus session with a sandboxed HOME and XDG_CONFIG_HOME.
Before /usr/bin/mailnag runs, four things are changed:

1. Its connectivity test is off. By default it asks Gio's network monitor
   and, short of "full connectivity", probes www.google.com:8080 (or pings
   it): never allowed here. is_offline() now says "online".
2. Its libsecret lookup is off: SecretStore.get_default() returns None, so
   the password comes from mailnag.cfg (a throw-away password of a private
   Dovecot) and no keyring daemon is asked or started.
3. Its syslog handler is off (it writes to /dev/log): logs go to stdout only.
4. A guard refuses every socket connection and name lookup that is not
   loopback, so nothing it or a plugin does can leave the machine.

Usage: launcher.py [mailnag arguments]
"""

import ipaddress
import runpy
import socket
import sys

MAILNAG = "/usr/bin/mailnag"


def _loopback(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        if not _loopback(address[0]):
            raise OSError("mailbell bench: connection to %r refused (loopback only)" % (address[0],))


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    _check(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, "mailbell bench: lookup of %r refused (loopback only)" % (host,))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo

# Imported after the guard so nothing below can have bound the originals.
import Mailnag.common.secretstore as secretstore  # noqa: E402
import Mailnag.common.utils as utils  # noqa: E402
import Mailnag.daemon.conntest as conntest  # noqa: E402

conntest.ConnectivityTest.is_offline = lambda self: False
secretstore.SecretStore.get_default = staticmethod(lambda: None)

_init_logging = utils.init_logging


def _init_logging_no_syslog(enable_stdout=True, enable_syslog=True, log_level=None):
    kwargs = {"enable_stdout": enable_stdout, "enable_syslog": False}
    if log_level is not None:
        kwargs["log_level"] = log_level
    return _init_logging(**kwargs)


# /usr/bin/mailnag does `from Mailnag.common.utils import init_logging`
# when it runs, so it picks up this replacement.
utils.init_logging = _init_logging_no_syslog

sys.argv = ["mailnag"] + sys.argv[1:]
runpy.run_path(MAILNAG, run_name="__main__")
