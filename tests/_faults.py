"""Run ``imblearn-deep`` with a real signal sent to itself at a chosen moment.

Usage: ``python _faults.py SPEC ARG...`` where SPEC is ``at=MODULE:ATTR,n=N,signal=NAME``
with an optional ``arm=MODULE:ATTR``: once the ``arm`` callable has been entered (or from
the start without one), the N-th call of the ``at`` callable sends signal NAME (INT,
TERM, KILL) to this process, which then goes on as any process receiving it would.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys


def _patch(path: str, hook) -> None:
    module_name, _, attribute = path.partition(":")
    owner = importlib.import_module(module_name)
    *parents, name = attribute.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        hook()
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def main() -> int:
    spec, args = sys.argv[1], sys.argv[2:]
    config = dict(item.split("=", 1) for item in spec.split(","))
    state = {"armed": "arm" not in config, "calls": 0}
    if "arm" in config:
        _patch(config["arm"], lambda: state.update(armed=True))

    def maybe_signal():
        if state["armed"]:
            state["calls"] += 1
            if state["calls"] == int(config.get("n", 1)):
                os.kill(os.getpid(), getattr(signal, "SIG" + config["signal"]))

    _patch(config["at"], maybe_signal)
    from imblearn_deep.comparison._cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
