"""Lets you run tasks in worker processes that survive what the tasks do: a task is ended after ``timeout``
seconds, a worker is capped in memory and dies with its parent, and a worker that dies is replaced: the
task it was on is retried once, then reported, and the tasks it had not finished go to another worker.

A task is a tuple whose first item names its group (``grade``: the exercise); chunks hold one group each, so
a worker prepares a group's common work (the exercise) only for a good share of its tasks.
"""
from __future__ import annotations

import gc
import os
import signal
import time
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Sequence

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkContext

Task = tuple[str, ...]                # (group, ...)
Outcome = tuple[Any, ...]             # what the work returns for one task
Work = Callable[[Any, float], Outcome]  # (task, timeout) -> outcome, run in a worker

MEMORY_MIB = 1024          # address space a worker may add to what it holds when it starts
GRACE = 5.0                # seconds past the time-out before the parent kills a stuck worker
FLUSH = 0.2                # seconds a worker may keep results before it sends them


# --- in a worker -------------------------------------------------------------------------------------
def _cap_memory(mib: int) -> None:
    try:
        import resource

        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        limit = vm + mib * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, StopIteration, ImportError):
        pass


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the parent dies, however it dies (even by SIGKILL); a parent
    that died before the request was made (then nothing would come) ends the worker at once."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _worker(conn: Connection, work: Work, timeout: float, memory_mib: int, now: Any, parent: int) -> None:
    """Do ``work`` on the chunks that arrive on ``conn``; the results go back a few at a time (one message per
    :data:`FLUSH` seconds, not one per file: each message wakes the parent). ``now`` (shared memory) holds
    the index of the task being graded and when it started, so the parent knows which file a dead or
    stuck worker was on without a message per file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.enable()        # off in the parent while it gathers results; grading makes cyclic garbage
    _die_with_parent(parent)
    _cap_memory(memory_mib)
    try:
        while True:
            chunk = conn.recv()
            if chunk is None:
                return
            done, sent = [], time.monotonic()
            for index, task in chunk:
                now[0], now[1] = index, time.monotonic()
                done.append((index, work(task, timeout)))
                if now[1] - sent > FLUSH:
                    conn.send(done)
                    done, sent = [], time.monotonic()
            now[0] = -1.0
            conn.send(done)
    except (EOFError, OSError, KeyboardInterrupt):
        return


# --- in the parent -----------------------------------------------------------------------------------
class _Slot:
    """One worker process and the chunk of tasks it is working on."""

    def __init__(self, ctx: ForkContext, work: Work, timeout: float, memory_mib: int) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.now = ctx.RawArray("d", [-1.0, 0.0])     # the task being graded, and when it started
        self.proc = ctx.Process(target=_worker, args=(child, work, timeout, memory_mib, self.now, os.getpid()),
                                daemon=True)
        self.proc.start()
        child.close()
        self.chunk: list[tuple[int, Task]] = []    # (index, task) sent and not answered, in grading order
        self.since = 0.0         # when the last chunk was sent or the last results came

    def send(self, chunk: list[tuple[int, Task]]) -> None:
        self.conn.send(chunk)
        if not self.chunk:
            self.since = time.monotonic()
        self.chunk.extend(chunk)

    def current(self) -> tuple[int, Task]:
        """(index, task) the worker is grading (the first unanswered one if that is not known)."""
        index = int(self.now[0])
        return next((c for c in self.chunk if c[0] == index), self.chunk[0])

    def stuck(self, limit: float) -> bool:
        started = self.now[1] if self.now[0] >= 0 else self.since
        return time.monotonic() - max(started, self.since) > limit

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(1)
        self.conn.close()


def run_tasks(tasks: Sequence[Task], work: Work, jobs: int, timeout: float,
              on_result: Callable[[int, Outcome], object], memory_mib: int = MEMORY_MIB) -> None:
    """Do ``work(task, timeout)`` for each of ``tasks`` in ``jobs`` worker processes (forked: they hold what
    the parent holds), calling ``on_result(index, outcome)`` as each finishes. A dead worker's current task
    is retried once, then reported as ("internal", "grade.worker_died", {}); a stuck one is killed and
    reported as timed out."""
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    queue = _chunks(list(enumerate(tasks)), jobs)
    queue.reverse()
    tries: dict[int, int] = {}
    old_term = signal.signal(signal.SIGTERM, _terminate)    # before any worker exists
    slots: list[_Slot] = []
    gc.freeze()    # what exists now lives on: no collection rescans it (nor, in a worker, copies its pages)
    collecting = gc.isenabled()
    gc.disable()   # the parent only gathers results, which hold no cycles: rescanning them cost 25% of its time
    try:
        slots.extend(_Slot(ctx, work, timeout, memory_mib) for _ in range(min(jobs, len(tasks))))
        while queue or any(s.chunk for s in slots):
            for i, s in enumerate(slots):    # a second chunk waits in the pipe: a worker never waits for us
                while queue and len(s.chunk) <= len(queue[-1]):
                    chunk = queue.pop()
                    try:
                        s.send(chunk)
                    except OSError:      # the worker died: nothing of this chunk was started
                        queue.append(chunk)
                        if not s.chunk:  # it died while idle, so no file of its own is to blame
                            s.kill()
                            slots[i] = _Slot(ctx, work, timeout, memory_mib)
                        break
            busy = [s for s in slots if s.chunk]
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=0.5)
            for i, s in enumerate(slots):
                if not s.chunk:
                    continue
                dead = s.proc.sentinel in ready and not s.conn.poll()
                while not dead and s.chunk and s.conn.poll():
                    try:
                        results = s.conn.recv()
                    except (EOFError, OSError):
                        dead = True
                        break
                    answered = {index for index, _ in results}
                    s.chunk = [c for c in s.chunk if c[0] not in answered]
                    s.since = time.monotonic()
                    for index, outcome in results:
                        on_result(index, outcome)
                stuck = s.chunk and s.stuck(timeout + GRACE)
                if (dead or not s.proc.is_alive() or stuck) and s.chunk:
                    index, task = s.current()
                    rest = [c for c in s.chunk if c[0] != index]     # graded or not, they go again
                    if rest:
                        queue.append(rest)
                    s.kill()
                    slots[i] = _Slot(ctx, work, timeout, memory_mib)
                    if stuck:
                        on_result(index, ("error", "grade.timed_out", {"seconds": timeout}))
                    elif tries.get(index):
                        on_result(index, ("internal", "grade.worker_died", {}))
                    else:
                        tries[index] = 1
                        queue.append([(index, task)])
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
        signal.signal(signal.SIGTERM, old_term)
        for s in slots:
            try:
                s.conn.send(None)
            except OSError:
                pass
            s.kill()


def _chunks(tasks: list[tuple[int, Task]], jobs: int) -> list[list[tuple[int, Task]]]:
    """``tasks`` (index, task) cut into chunks of one group (exercise) each, so that a worker prepares an
    exercise only when it grades a good share of its files. A chunk holds at most a quarter of
    each worker's share of the tasks still to come (and at most 64): chunks shrink towards the end, so the
    workers finish together instead of one grading a last big chunk while the others wait."""
    out: list[list[tuple[int, Task]]] = []
    size = 0
    for at, item in enumerate(tasks):
        if out and len(out[-1]) < size and out[-1][-1][1][0] == item[1][0]:
            out[-1].append(item)
        else:
            out.append([item])
            size = max(1, min(64, (len(tasks) - at) // (jobs * 4)))
    return out


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)
