"""The runner's state store, lent to Ray workers for one batch step.

The state directory belongs to the driver (it commits it only after the run's output is written),
so a worker cannot open it: it may be on another machine. For a step whose stage keeps state per
group (site-level repeated lines: one key per site), the driver copies the stage's keys
(`<stage name>.*`) into a `StateLender` actor; each worker reads them through an `ActorStateStore`
and its puts are collected by the actor, which the driver then writes into its own store, to be
committed with everything else. Reads always return the value from before the step, so a task that
Ray retries after a failure sees what the first attempt saw.
"""

from __future__ import annotations

from typing import Any

import ray

from filters.base import StateStore
from pipelines.state import DiskStateStore


@ray.remote(num_cpus=0)
class StateLender:
    def __init__(self, snapshot: dict[str, bytes]) -> None:
        self._snapshot = snapshot
        self._puts: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._snapshot.get(key)

    def put(self, key: str, value: bytes) -> None:
        self._puts[key] = value

    def puts(self) -> dict[str, bytes]:
        return self._puts


class ActorStateStore(StateStore):
    """A worker's view of the lent state: its own puts first, then the values from before the step."""

    def __init__(self, lender: Any) -> None:
        self._lender = lender
        self._puts: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        if key in self._puts:
            return self._puts[key]
        return ray.get(self._lender.get.remote(key))

    def put(self, key: str, value: bytes) -> None:
        self._puts[key] = value
        ray.get(self._lender.put.remote(key, value))


def lend(state: DiskStateStore, stage_name: str) -> Any:
    """An actor holding the stage's keys from `state`."""
    snapshot = {}
    for key in state.keys(f"{stage_name}."):
        value = state.get(key)
        if value is not None:
            snapshot[key] = value
    return StateLender.remote(snapshot)


def take_back(state: DiskStateStore, lender: Any) -> None:
    """Put the workers' writes into `state` (committed later by the runner) and end the actor."""
    for key, value in ray.get(lender.puts.remote()).items():
        state.put(key, value)
    ray.kill(lender)
