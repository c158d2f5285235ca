"""Process helpers for plugin authors who must bound work on hostile input.

A reward that parses, evaluates or runs what a model wrote cannot trust that work to finish: it runs
it in worker processes it can hard-kill, keeps one pool of them per process (shared by its rewards,
cleaned up at exit, forgotten by a forked child that must not drive its parent's workers), and talks
to them in length-prefixed JSON messages read against a deadline. These are the pieces the math,
code and reasoning-gym plugins share. They are written here rather than taken from
``concurrent.futures`` or ``multiprocessing`` because neither can kill the one task that overran
(only the whole pool, or nothing), nor give each step of a task its own deadline.

Standard library only, and cheap to import.

>>> from verifiers_core.processes import PerProcess, usable_cpus
>>> pools = PerProcess(close=lambda pool: pool.clear())
>>> pools.get(("size", usable_cpus()), list) is pools.get(("size", usable_cpus()), list)
True
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import struct
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_HEADER = struct.Struct(">I")  # a frame: its length (4 bytes, big-endian), then compact JSON


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), at least 1.

    ``os.cpu_count()`` counts the machine's; a container or ``taskset`` may allow fewer.

    >>> usable_cpus() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def child_pids(pid: int | None = None) -> list[int]:
    """Direct children of ``pid`` (this process by default), from ``/proc``; ``[]`` when unknown.

    Every thread's children are listed: a child started from a thread other than the main one is the
    child of that thread's task.

    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    >>> child.pid in child_pids()
    True
    >>> child.kill(); child.wait()
    -9
    """
    pid = os.getpid() if pid is None else pid
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
        except (OSError, ValueError):  # the thread ended meanwhile, or no CONFIG_PROC_CHILDREN
            continue
    return found


def descendant_pids(pid: int | None = None) -> list[int]:
    """Every live process below ``pid`` (this process by default): children, their children, and so
    on, from ``/proc``, whatever session or process group they started.

    >>> import subprocess, time
    >>> parent = subprocess.Popen(["sh", "-c", "sleep 30 & exec sleep 30"])  # a child with a child
    >>> deadline = time.monotonic() + 10
    >>> while not descendant_pids(parent.pid) and time.monotonic() < deadline:
    ...     time.sleep(0.01)
    >>> below = descendant_pids(parent.pid)
    >>> len(below), parent.pid in descendant_pids()
    (1, True)
    >>> hard_kill(below[0]), parent.kill(), parent.wait()
    (True, None, -9)
    """
    found: list[int] = []
    seen: set[int] = set()
    todo = [os.getpid() if pid is None else pid]
    while todo:
        for child in child_pids(todo.pop()):
            if child not in seen:
                seen.add(child)
                found.append(child)
                todo.append(child)
    return found


def hard_kill(pid: int, *, group: bool = False) -> bool:
    """Send ``SIGKILL`` to ``pid`` (to its process group when ``group``); whether it was sent.

    For a one-off kill of a process you cannot hold a :class:`ProcessHandle` on. Never raises.

    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    >>> hard_kill(child.pid), child.wait()
    (True, -9)
    """
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
        return True
    except OSError:
        return False


class ProcessHandle:
    """A handle on a process that kills that process and no other.

    It holds a pidfd (Linux 5.3+), so :meth:`kill` cannot reach a new process that reused the pid
    after the first one was reaped; on an older kernel it falls back to the pid.

    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    >>> handle = ProcessHandle(child.pid)
    >>> handle.kill(); child.wait()
    -9
    >>> handle.kill()  # gone already: nothing happens
    >>> handle.close()
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._gone = False
        self._fd: int | None = None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._gone = True  # already reaped: the pid may be someone else's now
        except (AttributeError, OSError):  # no pidfd on this system: fall back to the pid
            self._fd = None

    def kill(self) -> None:
        """Send ``SIGKILL``; nothing if the process is gone or the handle closed. Never raises."""
        if self._gone:
            return
        try:
            if self._fd is not None:
                signal.pidfd_send_signal(self._fd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # already gone

    def close(self) -> None:
        """Release the pidfd (the process is left alone). Safe to call twice."""
        fd, self._fd = self._fd, None
        self._gone = True
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


_MISSING: Any = object()


class PerProcess(Generic[K, V]):
    """Shared resources (pools, executors) by key, one set per process.

    :meth:`get` creates a value on first use; :meth:`close_all` runs at exit and closes each with
    ``close``. A child made by ``os.fork`` starts with none and a fresh lock: its parent's values hold
    the parent's processes and pipes, which the child must neither use nor close (another thread of
    the parent may also have held the lock at the fork).

    >>> closed = []
    >>> pools = PerProcess(close=closed.append)
    >>> a = pools.get("a", lambda: ["pool a"])
    >>> a is pools.get("a", list), pools.get("a", list, usable=lambda v: False) is a
    (True, False)
    >>> pools.close_all(); closed
    [[]]
    """

    def __init__(self, close: Callable[[V], object] | None = None) -> None:
        self._close = close
        self._items: dict[K, V] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()
        ref = weakref.ref(self)  # the hooks must not keep a registry alive
        if close is not None:
            atexit.register(_call_if_alive, ref, "close_all")
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=lambda: _call_if_alive(ref, "_forget"))

    def _forget(self) -> None:
        self._items, self._lock, self._pid = {}, threading.Lock(), os.getpid()

    def _check_pid(self) -> None:
        if self._pid != os.getpid():  # a child made without os.fork's hooks (a raw clone, say)
            self._forget()

    def get(self, key: K, make: Callable[[], V], *, usable: Callable[[V], bool] | None = None) -> V:
        """The value for ``key``, made by ``make()`` when missing or when ``usable(value)`` is false.

        >>> PerProcess().get(1, dict, usable=lambda d: "x" in d)
        {}
        """
        self._check_pid()
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is _MISSING or (usable is not None and not usable(value)):
                value = self._items[key] = make()
            return value

    def values(self) -> list[V]:
        """This process's values, a snapshot.

        >>> registry = PerProcess(); _ = registry.get("k", lambda: 1); registry.values()
        [1]
        """
        self._check_pid()
        with self._lock:
            return list(self._items.values())

    def keys(self) -> list[K]:
        """This process's keys, a snapshot.

        >>> registry = PerProcess(); _ = registry.get("k", lambda: 1); registry.keys()
        ['k']
        """
        self._check_pid()
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        return len(self.keys())

    def clear(self) -> None:
        """Forget every value without closing it.

        >>> registry = PerProcess(); _ = registry.get("k", list); registry.clear(); len(registry)
        0
        """
        self._check_pid()
        with self._lock:
            self._items.clear()

    def close_all(self) -> None:
        """Forget every value and close each (an exception from one close does not stop the others).

        >>> registry = PerProcess(close=lambda v: 1 / 0); _ = registry.get("k", list)
        >>> registry.close_all(); len(registry)
        0
        """
        self._check_pid()
        with self._lock:
            items, self._items = list(self._items.values()), {}
        if self._close is None:
            return
        for value in items:
            try:
                self._close(value)
            except Exception:  # at exit: one broken value must not keep the others running
                pass


def _call_if_alive(ref: weakref.ReferenceType, method: str) -> None:
    target = ref()
    if target is not None:
        getattr(target, method)()


class FrameError(RuntimeError):
    """A message could not be read: ``kind`` is ``timeout``, ``eof``, ``oversize`` or ``malformed``.

    >>> FrameError("eof", "the other end closed the stream").kind
    'eof'
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def encode_frame(obj: Any) -> bytes:
    """One message: 4-byte big-endian length, then ``obj`` as compact JSON.

    >>> encode_frame({"ok": 1})
    b'\\x00\\x00\\x00\\x08{"ok":1}'
    """
    data = json.dumps(obj, separators=(",", ":")).encode()
    return _HEADER.pack(len(data)) + data


def write_frame(fd: int, obj: Any) -> None:
    """Write one message to the blocking file descriptor ``fd`` (all of it, however the pipe splits it).

    >>> r, w = os.pipe(); write_frame(w, [1, "a"]); read_frame(r, deadline=None, max_bytes=100)
    [1, 'a']
    >>> os.close(r); os.close(w)
    """
    view = memoryview(encode_frame(obj))
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int, *, deadline: float | None, max_bytes: int) -> Any:
    """Read one message from ``fd``, by ``deadline`` (a :func:`time.monotonic` time; ``None``: wait).

    Raises :class:`FrameError` when the deadline passes, the stream ends, the message announces more
    than ``max_bytes`` or is not JSON; ``OSError`` from the read itself passes through.

    >>> r, w = os.pipe(); os.write(w, encode_frame("x")[:3])
    3
    >>> read_frame(r, deadline=time.monotonic() + 0.05, max_bytes=100)
    Traceback (most recent call last):
    ...
    verifiers_core.processes.FrameError: no message within the deadline
    >>> os.close(r); os.close(w)
    """
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > max_bytes:
        raise FrameError("oversize", f"a frame of {size} bytes, over the limit of {max_bytes}")
    try:
        return json.loads(_read_exact(fd, size, deadline))
    except ValueError as exc:
        raise FrameError("malformed", f"malformed data: {exc}") from None


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    poller = select.poll()  # not select(): a trainer may hold more than 1024 file descriptors
    poller.register(fd, select.POLLIN)
    while got < n:
        left = None if deadline is None else max(0.0, deadline - time.monotonic()) * 1000
        if not poller.poll(left):
            raise FrameError("timeout", "no message within the deadline")
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise FrameError("eof", "the other end closed the stream")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


__all__ = [
    "FrameError",
    "PerProcess",
    "ProcessHandle",
    "child_pids",
    "descendant_pids",
    "encode_frame",
    "hard_kill",
    "read_frame",
    "usable_cpus",
    "write_frame",
]
