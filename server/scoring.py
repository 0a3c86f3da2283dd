"""From untrusted image bytes to probabilities: check, transcode if needed, batch, wait."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from aiorhuman import intake
from aiorhuman.server.batcher import Batcher, Outcome, Overloaded
from aiorhuman.server.model import UnreadableImage
from aiorhuman.server.problems import Problem


@dataclass
class Timings:
    """Where a request's time went, in milliseconds."""

    prepare_ms: float = 0.0
    queue_ms: float = 0.0
    model_ms: float = 0.0
    batch_sizes: list[int] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.queue_ms = max(self.queue_ms, 1000 * outcome.queue_seconds)
        self.model_ms = max(self.model_ms, 1000 * outcome.run_seconds)
        self.batch_sizes.append(outcome.batch_size)


class Scorer:
    """Scores lists of encoded images through a shared ``Batcher``."""

    def __init__(self, batcher: Batcher, limits: intake.Limits, timeout: float) -> None:
        self.batcher = batcher
        self.limits = limits
        self.timeout = timeout

    def inspect(self, data: list[bytes]) -> list[intake.Inspected]:
        """Each image's header, checked against the limits; a ``Problem`` for the first bad one."""
        return [
            self._each(i, len(data), intake.inspect, d, self.limits) for i, d in enumerate(data)
        ]

    def score(
        self, data: list[bytes], infos: list[intake.Inspected], timings: Timings
    ) -> list[float]:
        """Probabilities for each inspected image, or a ``Problem`` about the first bad one."""
        deadline = time.monotonic() + self.timeout
        start = time.monotonic()
        payloads = [
            self._each(i, len(data), intake.to_png, d, info) if info.needs_transcode else d
            for i, (d, info) in enumerate(zip(data, infos, strict=True))
        ]
        timings.prepare_ms = 1000 * (time.monotonic() - start)
        results = self._wait(self._submit(payloads, infos), deadline)
        refused = [i for i, result in enumerate(results) if isinstance(result, UnreadableImage)]
        if refused:  # the model's decoder refused them: let Pillow decode them, or say why not
            for i in refused:
                if infos[i].needs_transcode:
                    raise self._corrupt(i, infos[i], len(data))
                payloads[i] = self._each(i, len(data), intake.to_png, data[i], infos[i])
            again = [payloads[i] for i in refused], [infos[i] for i in refused]
            for i, result in zip(refused, self._wait(self._submit(*again), deadline), strict=True):
                if isinstance(result, UnreadableImage):
                    raise self._corrupt(i, infos[i], len(data))
                results[i] = result
        for result in results:
            timings.add(result)
        return [float(result.value) for result in results]

    def _submit(self, payloads: list[bytes], infos: list[intake.Inspected]) -> list[Future]:
        try:
            return self.batcher.submit(payloads, [info.pixels for info in infos])
        except Overloaded:
            raise Problem(
                "overloaded",
                "Too many images are waiting for the model; try again shortly.",
                headers={"Retry-After": "1"},
            ) from None

    def _wait(self, futures: list[Future], deadline: float) -> list[Outcome | UnreadableImage]:
        """Each future's outcome, or the ``UnreadableImage`` it failed with."""
        results: list[Outcome | UnreadableImage] = []
        for future in futures:
            try:
                results.append(future.result(timeout=max(deadline - time.monotonic(), 0.0)))
            except UnreadableImage as exc:
                results.append(exc)
            except TimeoutError:
                for other in futures:
                    other.cancel()
                raise Problem(
                    "timeout",
                    f"Scoring took more than {self.timeout:g} s; try again shortly.",
                    headers={"Retry-After": "5"},
                ) from None
        return results

    def _corrupt(self, index: int, info: intake.Inspected, count: int) -> Problem:
        problem = Problem("corrupt-image", f"The {info.format} image cannot be decoded.")
        return self._indexed(problem, index, count)

    @staticmethod
    def _indexed(problem: Problem, index: int, count: int) -> Problem:
        if count > 1:
            problem.members["index"] = index
            problem.detail = f"Image {index}: {problem.detail}"
        return problem

    def _each(self, index: int, count: int, fn, *args):
        """``fn(*args)``, naming the image in the ``Problem`` for any refusal."""
        try:
            return fn(*args)
        except intake.ImageRefused as refusal:
            raise self._indexed(Problem.refused(refusal), index, count) from None
