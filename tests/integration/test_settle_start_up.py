"""`settle_start_up`: what a long-running command made at start-up leaves the collector's sight; garbage does not.

Run in a child interpreter: freezing the test process's own heap would keep
every later test's garbage alive.
"""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc, weakref
from ledger.system import settle_start_up

class Node:
    pass

kept = Node()
cycle = Node()
cycle.itself = cycle
gone = weakref.ref(cycle)
del cycle

settle_start_up()
print(any(o is kept for o in gc.get_objects()), gc.get_freeze_count() > 0, gone() is None)
"""


def test_objects_alive_at_start_up_are_frozen_and_garbage_is_collected_first() -> None:
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60)
    still_walked, frozen, collected = result.stdout.split()
    assert still_walked == "False"
    assert frozen == "True"
    # Garbage made before the call is collected, not frozen for the life of the process.
    assert collected == "True"
