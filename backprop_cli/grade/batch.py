"""Lets you grade a whole class: every student folder × every exercise of the assignment gets one record,
graded in worker processes that each hold the prepared exercises, so one hostile file costs only its own
record. A submission is ended after ``timeout`` seconds, a worker is capped in memory, and a worker that
dies is replaced: its submission is retried once, then marked.

A fault of the tool (a bug, a worker that died twice, an exercise that cannot be prepared) is never charged
to the student (SPEC 10): the record's questions get the status ``error``, the record is not counted in
the student's score, and ``grade`` flags it for the instructor in every output and exits 2.
"""
from __future__ import annotations

import gc
import os
import signal
import time
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Sequence

from backprop_cli.grade.assignment import Assigned, Problem, collect, load_assignment
from backprop_cli.grade.checking import Deadline, time_limit
from backprop_cli.grade.verdict import Scored

if TYPE_CHECKING:      # loaded in the workers, when they grade
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkContext
    from backprop_cli.grade.verdict import Report, Result, Warning_

Task = tuple[str, str, str]           # (exercise id, answers file, student)
Outcome = tuple[Any, ...]             # ("ok", report) or ("error", key, args)

MEMORY_MIB = 1024          # address space a worker may add to what it holds when it starts
GRACE = 5.0                # seconds past the time-out before the parent kills a stuck worker
FLUSH = 0.2                # seconds a worker may keep results before it sends them


@dataclass(frozen=True)
class Record(Scored):
    """The grade of one student on one exercise; ``results`` are check's results, one per question."""

    student: str
    exercise: str
    results: tuple[Result, ...]
    max_score: float
    error: Problem | None = None   # (message key, args): why the file could not be graded
    file: str | None = None
    warnings: tuple[Warning_, ...] = ()   # from reading the answers
    variant: str | None = None     # the student whose drawn numbers were graded (SPEC 7.5)
    internal: bool = False         # ``error`` is a fault of the tool, not of the file: the record is not counted

    @property
    def counted(self) -> bool:
        """Whether the record counts in the student's total (a tool fault does not)."""
        return not self.internal

    @property
    def passed(self) -> bool:
        return self.error is None and super().passed


@dataclass(frozen=True)
class ClassGrade:
    """The grades of a class: one record per student and exercise, and what was odd in their folders."""

    assignment: list[Assigned]
    records: list[Record]            # sorted by student then assignment order
    problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)   # student -> ((key, args), ...)

    def students(self) -> list[tuple[str, list[Record]]]:
        """(student, their records) in the records' order."""
        out: dict[str, list[Record]] = {}
        for r in self.records:
            out.setdefault(r.student, []).append(r)
        return list(out.items())

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.records)

    @property
    def internal(self) -> list[Record]:
        """The records that a fault of the tool left ungraded (for the instructor to look at)."""
        return [r for r in self.records if r.internal]


def _placeholder(assigned: Assigned, student: str, status: str, error: Problem | None = None,
                 file: str | None = None) -> Record:
    """A record whose questions all have ``status``: missing, invalid (the file cannot be read or graded),
    or error (a fault of the tool: not counted)."""
    from backprop_cli.grade.verdict import Result

    key, args = error or ("result.missing", {})
    results = tuple(Result(q.target, q.kind, status, 0.0, q.points * assigned.scale, message=key, args=args)
                    for q in assigned.exercise.questions)
    return Record(student, assigned.id, results, assigned.max_score, error, file, internal=status == "error")


def _scaled(assigned: Assigned, student: str, report: Report, file: str) -> Record:
    s = assigned.scale
    results = report.results if s == 1.0 else tuple(
        replace(r, points=r.points * s, max_points=r.max_points * s) for r in report.results)
    return Record(student, assigned.id, results, assigned.max_score, None, file, report.warnings, report.variant)


# --- in a worker -------------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def grade_one(task: Task) -> Outcome:
    """Grade one file: ("ok", report), ("error", key, args) for a file that cannot be graded, or ("internal",
    key, args) for a bug of the tool; only a time-out escapes, as checking.Deadline."""
    from backprop_cli.errors import BackpropError
    from backprop_cli.grade.checking import check_files

    ex_id, path, student = task
    try:
        return ("ok", check_files(_STATE["assignment"][ex_id].exercise, path, _STATE["seed"], student,
                                  _STATE["classmates"]))
    except BackpropError as err:
        return ("error", err.key, dict(err.args_))
    except MemoryError:
        return ("error", "grade.out_of_memory", {"limit": MEMORY_MIB})
    except RecursionError:
        return ("error", "grade.too_complex", {})
    except Exception as err:  # noqa: BLE001 - a bug in the tool, reported as one, never the student's fault
        return ("internal", "cli.bug", {"error": f"{type(err).__name__}: {err}"})


def _timed(task: Task, timeout: float) -> Outcome:
    from backprop_cli.errors import BackpropError
    from backprop_cli.grade.reference import prepared

    try:      # the exercise is prepared once per worker, outside the student's time; it is not the student's fault
        prepared(_STATE["assignment"][task[0]].exercise, _STATE["seed"])
    except BackpropError as err:
        return ("internal", err.key, dict(err.args_))
    try:
        with time_limit(timeout, "wall"):
            return grade_one(task)
    except Deadline:
        return ("error", "grade.timed_out", {"seconds": timeout})


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


def _worker(conn: Connection, timeout: float, memory_mib: int, now: Any, parent: int) -> None:
    """Grade the chunks that arrive on ``conn``; the results go back a few at a time (one message per
    :data:`FLUSH` seconds, not one per file: each message wakes the parent). ``now`` (shared memory) holds
    the index of the task being graded and when it started, so the parent knows which file a dead or
    stuck worker was on without a message per file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
                done.append((index, _timed(task, timeout)))
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

    def __init__(self, ctx: ForkContext, timeout: float, memory_mib: int) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.now = ctx.RawArray("d", [-1.0, 0.0])     # the task being graded, and when it started
        self.proc = ctx.Process(target=_worker, args=(child, timeout, memory_mib, self.now, os.getpid()),
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


def run_tasks(tasks: Sequence[Task], jobs: int, timeout: float, on_result: Callable[[int, Outcome], object],
              memory_mib: int = MEMORY_MIB) -> None:
    """Run ``tasks`` (a list of picklable tasks for :func:`grade_one`) in ``jobs`` worker processes,
    calling ``on_result(index, outcome)`` as each finishes. A dead worker's current task is retried once,
    then reported as ("internal", "grade.worker_died", {}); a stuck one is killed and reported as timed out."""
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    queue = _chunks(list(enumerate(tasks)), jobs)
    queue.reverse()
    tries: dict[int, int] = {}
    old_term = signal.signal(signal.SIGTERM, _terminate)    # before any worker exists
    slots: list[_Slot] = []
    gc.freeze()    # what exists now lives on: no collection rescans it (nor, in a worker, copies its pages)
    try:
        slots.extend(_Slot(ctx, timeout, memory_mib) for _ in range(min(jobs, len(tasks))))
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
                            slots[i] = _Slot(ctx, timeout, memory_mib)
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
                    slots[i] = _Slot(ctx, timeout, memory_mib)
                    if stuck:
                        on_result(index, ("error", "grade.timed_out", {"seconds": timeout}))
                    elif tries.get(index):
                        on_result(index, ("internal", "grade.worker_died", {}))
                    else:
                        tries[index] = 1
                        queue.append([(index, task)])
    finally:
        gc.unfreeze()
        signal.signal(signal.SIGTERM, old_term)
        for s in slots:
            try:
                s.conn.send(None)
            except OSError:
                pass
            s.kill()


def _chunks(tasks: list[tuple[int, Task]], jobs: int) -> list[list[tuple[int, Task]]]:
    """``tasks`` (index, (exercise, path, student)) cut into chunks of one exercise each, so that a worker
    prepares an exercise only when it grades a good share of its files. A chunk holds at most a quarter of
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


def grade_class(folder: str, exercises_dir: str | None = None, assignment_file: str | None = None, jobs: int = 1,
                seed: int = 0, timeout: float = 10.0, progress: Callable[[], object] | None = None) -> ClassGrade:
    """Grade every student folder under ``folder`` on every exercise of the assignment.

    Submissions go to the workers exercise by exercise, so each worker prepares (and caches) only the
    exercises of the chunks it takes, in parallel with the others."""
    assignment = load_assignment(exercises_dir, assignment_file)
    by_id = {a.id: a for a in assignment}
    subs = collect(folder, list(by_id))
    _STATE.update(assignment=by_id, seed=seed, classmates=tuple(s.student for s in subs))
    records: dict[tuple[str, str], Record] = {}
    tasks: list[Task] = []
    where: list[tuple[str, str]] = []
    for a in assignment:
        for sub in subs:
            key = (sub.student, a.id)
            if a.id in sub.files:
                where.append(key)
                tasks.append((a.id, sub.files[a.id], sub.student))
            elif a.id in sub.errors:
                records[key] = _placeholder(a, sub.student, "invalid", sub.errors[a.id])
            else:
                records[key] = _placeholder(a, sub.student, "missing")

    def done(index: int, outcome: Outcome) -> None:
        student, ex_id = where[index]
        a, file = by_id[ex_id], tasks[index][1]
        name = os.path.basename(file)
        if outcome[0] == "ok":
            records[(student, ex_id)] = _scaled(a, student, outcome[1], name)
        else:
            status = "error" if outcome[0] == "internal" else "invalid"
            records[(student, ex_id)] = _placeholder(a, student, status, (outcome[1], outcome[2]), name)
        progress and progress()

    if tasks:
        run_tasks(tasks, jobs, timeout, done)
    ordered = [records[(s.student, a.id)] for s in subs for a in assignment]
    return ClassGrade(assignment, ordered, {s.student: s.problems for s in subs if s.problems})


def summary(cg: ClassGrade) -> list[dict[str, Any]]:
    """Per question of the assignment: how many students got each status and each diagnosis."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in cg.assignment:
        for q in a.exercise.questions:
            rows[(a.id, q.kind, q.target)] = {"exercise": a.id, "question": q.target, "kind": q.kind,
                                              "correct": 0, "incorrect": 0, "invalid": 0, "missing": 0,
                                              "error": 0, "diagnoses": {}}
    for rec in cg.records:
        for r in rec.results:
            row = rows.get((rec.exercise, r.kind, r.question))
            if row is None:
                continue
            row[r.status] += 1
            if r.diagnosis:
                row["diagnoses"][r.diagnosis] = row["diagnoses"].get(r.diagnosis, 0) + 1
    for row in rows.values():
        row["diagnoses"] = dict(sorted(row["diagnoses"].items(), key=lambda kv: (-kv[1], kv[0])))
    return list(rows.values())


def totals(cg: ClassGrade) -> list[tuple[str, float, float, float, list[Record]]]:
    """(student, score, max_score, percent, records) per student; a record the tool could not grade counts
    neither in the score nor in the maximum."""
    out = []
    for student, recs in cg.students():
        score = sum(r.score for r in recs if r.counted)
        max_score = sum(r.max_score for r in recs if r.counted)
        out.append((student, score, max_score, 100.0 * score / max_score if max_score else 0.0, recs))
    return out
