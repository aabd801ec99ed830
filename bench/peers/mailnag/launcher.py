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
       launcher.py --selftest   (checks the guard without any network traffic)
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


def _selftest():
    """Prove the guard without touching the network: the real connect and
    getaddrinfo are swapped for recorders, then outside addresses must be
    refused before reaching them and loopback ones must get through."""
    global _connect, _connect_ex, _getaddrinfo
    reached = []
    _connect = lambda self, address: reached.append(("connect", address[0]))
    _connect_ex = lambda self, address: reached.append(("connect_ex", address[0])) or 0
    _getaddrinfo = lambda host, *a, **k: reached.append(("getaddrinfo", host)) or []
    failures = []
    for host in ["192.0.2.1", "2001:db8::1", "www.google.com", "example.com", "10.0.0.1"]:
        try:
            socket.getaddrinfo(host, 80)
            failures.append("lookup of %s was not refused" % host)
        except OSError:
            pass
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as s:
            for fn in (s.connect, s.connect_ex):
                try:
                    fn((host, 80))
                    failures.append("%s to %s was not refused" % (fn.__name__, host))
                except OSError:
                    pass
    if reached:
        failures.append("outside addresses reached the real functions: %r" % reached)
    for host in ["127.0.0.1", "localhost", "::1"]:
        socket.getaddrinfo(host, 993)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as s:
            s.connect((host, 993))
    if len(reached) != 6:
        failures.append("loopback was not let through: %r" % reached)
    for f in failures:
        print("launcher self-test:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if sys.argv[1:] == ["--selftest"]:
    _selftest()

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
