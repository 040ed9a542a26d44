# wstest (Autobahn|Testsuite, Python 2) with its fuzzing server bound to 127.0.0.1 only: wstest
# itself listens on every interface, and the tests' servers stay on loopback.
# Usage: /opt/wstest/bin/python wstest_loopback.py -m fuzzingserver -s spec.json -u 0
import sys

import autobahntestsuite.fuzzing as fuzzing

_listen = fuzzing.listenWS


def listen_on_loopback(factory, context_factory=None, backlog=50, interface=""):
    return _listen(factory, context_factory, backlog, "127.0.0.1")


fuzzing.listenWS = listen_on_loopback

from autobahntestsuite.wstest import run  # noqa: E402 (after the patch, which it must see)

sys.argv[0] = "wstest"
sys.exit(run())
