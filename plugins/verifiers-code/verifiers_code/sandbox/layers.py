"""Isolation layers, strongest first, and how to start a sandboxed supervisor under each.

- ``bwrap``: bubblewrap with its own user, pid, network, ipc, uts (and cgroup) namespaces, a
  read-only system, a small private ``/tmp``, ``/proc`` of its own pid namespace only, an empty
  environment (bwrap itself is started with an empty environment, so even its helpers hold no
  secret), no capabilities, no further user namespaces, a seccomp filter, and the unprivileged
  uid 65534 outside the namespace too (so ``RLIMIT_NPROC`` applies even when the trainer is root).
- ``unshare``: util-linux ``unshare`` with user, pid, network, ipc, uts and mount namespaces and its
  own ``/proc``; the system is protected by file permissions only and the test's ``/tmp`` is a
  private directory rather than a private mount.
- ``none``: rlimits, seccomp and (as root) uid 65534 alone. Host processes and the host network
  stay visible; the reward warns loudly and refuses unless ``require_namespaces=false``.

>>> [layer for layer in LAYERS]
['bwrap', 'unshare', 'none']
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

logger = logging.getLogger("verifiers_code")

LAYERS = ("bwrap", "unshare", "none")
#: The unprivileged uid/gid the sandbox runs as (``nobody``), outside and inside its namespace.
SANDBOX_UID = 65534
SANDBOX_GID = 65534
SANDBOX_TMP = "/tmp"

#: Python's flags in the sandbox: no user site, no site-packages, no .pyc writes.
PYTHON_FLAGS = ("-s", "-S", "-B")
#: Reads the supervisor's source (its length is argv[1]) from stdin and runs it.
BOOTSTRAP = (
    "import os,sys\n"
    "n=int(sys.argv[1]);b=b''\n"
    "while len(b)<n:\n"
    " c=os.read(0,n-len(b))\n"
    " if not c:raise SystemExit(3)\n"
    " b+=c\n"
    "exec(compile(b,'supervisor.py','exec'),{'__name__':'__main__'})\n"
)

# System calls a test never needs and that widen the kernel surface or reach outside.
DENIED_SYSCALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "setns",
    "unshare",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
    "name_to_handle_at",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "fanotify_init",
)
# CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: any one is refused.
_CLONE_NAMESPACE_BITS = (
    0x80,
    0x20000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
_AF_UNIX = 1


class SandboxUnavailable(RuntimeError):
    """No isolation layer that the settings accept works on this machine."""


def seccomp_filter() -> bytes | None:
    """The compiled seccomp BPF program, or ``None`` when libseccomp/pyseccomp is missing.

    Denied calls fail with ``EPERM``; ``clone3`` fails with ``ENOSYS`` so that libc falls back to
    ``clone``, whose namespace flags are checked; sockets other than ``AF_UNIX`` are refused.

    >>> bpf = seccomp_filter()
    >>> bpf is None or len(bpf) % 8 == 0
    True
    """
    try:
        import pyseccomp as sc
    except Exception as exc:  # libseccomp.so missing is an OSError at import
        logger.warning("seccomp filter unavailable (%s); relying on namespaces and rlimits", exc)
        return None
    flt = sc.SyscallFilter(sc.ALLOW)
    try:  # a binary tree instead of a linear list: every syscall of every test goes through it
        flt.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    except Exception:  # libseccomp < 2.5
        pass
    for name in DENIED_SYSCALLS:
        try:
            flt.add_rule(sc.ERRNO(errno.EPERM), name)
        except Exception:  # a syscall unknown on this architecture or libseccomp version
            continue
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for bit in _CLONE_NAMESPACE_BITS:
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, bit, bit))
    flt.add_rule(sc.ERRNO(errno.EPERM), "socket", sc.Arg(0, sc.NE, _AF_UNIX))
    with tempfile.TemporaryFile() as f:
        flt.export_bpf(f)
        f.seek(0)
        return f.read()


def sandbox_python() -> str:
    """The interpreter that runs inside the sandbox: the system ``python3`` when there is one.

    >>> os.path.isabs(sandbox_python())
    True
    """
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(candidate):
            return candidate
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


@dataclass
class Launch:
    """Everything needed to start one supervisor: argv, environment, fds to pass, a cleanup."""

    layer: str
    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    drop_privileges: bool = False
    pid1: bool = True
    tmp: str = SANDBOX_TMP
    seccomp_in_supervisor: bytes | None = None
    close_after_start: list[int] = field(default_factory=list)
    remove_after_stop: list[str] = field(default_factory=list)

    def popen_kwargs(self) -> dict:
        """Keyword arguments for :class:`subprocess.Popen` (no ``preexec_fn``: thread-safe)."""
        kwargs: dict = dict(env=self.env, pass_fds=self.pass_fds, start_new_session=True, close_fds=True)
        if self.drop_privileges:
            kwargs.update(user=SANDBOX_UID, group=SANDBOX_GID, extra_groups=[])
        return kwargs

    def after_start(self) -> None:
        for fd in self.close_after_start:
            try:
                os.close(fd)
            except OSError:
                pass
        self.close_after_start = []

    def after_stop(self) -> None:
        for path in self.remove_after_stop:
            shutil.rmtree(path, ignore_errors=True)


def _sandbox_env(tmp: str) -> dict[str, str]:
    # PYTHONHASHSEED: set iteration order is the same in every worker, so scores are deterministic.
    return {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


def _supervisor_argv(python: str, source_len: int) -> list[str]:
    return [python, *PYTHON_FLAGS, "-c", BOOTSTRAP, str(source_len)]


def _bwrap_launch(python: str, source_len: int, tmp_size: int, bpf: bytes | None) -> Launch:
    bwrap = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    argv = [
        bwrap,
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_GID),
        "--unshare-pid",
        "--as-pid-1",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        path = "/" + name
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"):
        if os.path.exists(path):
            argv += ["--ro-bind", path, path]
    pass_fds: list[int] = []
    prefix = os.path.dirname(os.path.dirname(python))
    if not python.startswith("/usr/"):
        # An interpreter outside /usr (pyenv, conda): bind its prefix from an fd we open, since the
        # unprivileged bwrap may not be allowed to walk to it (e.g. under /root).
        fd = os.open(prefix, os.O_PATH | os.O_DIRECTORY)
        pass_fds.append(fd)
        argv += ["--ro-bind-fd", str(fd), prefix]
    argv += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(tmp_size),
        "--tmpfs",
        SANDBOX_TMP,
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        SANDBOX_TMP,
        "--clearenv",
    ]
    for key, value in _sandbox_env(SANDBOX_TMP).items():
        argv += ["--setenv", key, value]
    if bpf:
        fd = os.memfd_create("seccomp", 0)
        os.write(fd, bpf)
        os.lseek(fd, 0, os.SEEK_SET)
        pass_fds.append(fd)
        argv += ["--seccomp", str(fd)]
    argv += _supervisor_argv(python, source_len)
    return Launch(
        layer="bwrap",
        argv=argv,
        env={},  # bwrap itself gets nothing: its own /proc/<pid>/environ must hold no secret
        pass_fds=tuple(pass_fds),
        drop_privileges=os.geteuid() == 0,
        pid1=True,
        tmp=SANDBOX_TMP,
        close_after_start=list(pass_fds),
    )


def _private_dir() -> str:
    path = tempfile.mkdtemp(prefix="verifiers-code-")
    if os.geteuid() == 0:
        os.chown(path, SANDBOX_UID, SANDBOX_GID)
    os.chmod(path, 0o700)
    return path


def _unshare_launch(python: str, source_len: int, bpf: bytes | None) -> Launch:
    unshare = shutil.which("unshare", path="/usr/bin:/bin:/usr/local/bin")
    if not unshare:
        raise SandboxUnavailable("util-linux unshare is not installed")
    tmp = _private_dir()
    argv = [
        unshare,
        f"--map-user={SANDBOX_UID}",
        f"--map-group={SANDBOX_GID}",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        "--net",
        "--ipc",
        "--uts",
        *_supervisor_argv(python, source_len),
    ]
    return Launch(
        layer="unshare",
        argv=argv,
        env=_sandbox_env(tmp),
        drop_privileges=os.geteuid() == 0,
        pid1=True,
        tmp=tmp,
        seccomp_in_supervisor=bpf,
        remove_after_stop=[tmp],
    )


def _none_launch(python: str, source_len: int, bpf: bytes | None) -> Launch:
    tmp = _private_dir()
    return Launch(
        layer="none",
        argv=_supervisor_argv(python, source_len),
        env=_sandbox_env(tmp),
        drop_privileges=os.geteuid() == 0,
        pid1=False,
        tmp=tmp,
        seccomp_in_supervisor=bpf,
        remove_after_stop=[tmp],
    )


def make_launch(layer: str, source_len: int, tmp_size: int, bpf: bytes | None) -> Launch:
    """Build the launch description of one supervisor under ``layer``.

    >>> launch = make_launch("none", 10, 1 << 20, None)
    >>> launch.pid1, os.path.isdir(launch.tmp)
    (False, True)
    >>> launch.after_stop()
    """
    python = sandbox_python()
    if layer == "bwrap":
        return _bwrap_launch(python, source_len, tmp_size, bpf)
    if layer == "unshare":
        return _unshare_launch(python, source_len, bpf)
    if layer == "none":
        return _none_launch(python, source_len, bpf)
    raise ValueError(f"unknown isolation layer {layer!r}; expected one of {', '.join(LAYERS)}")


_PROBE = "import os;print(os.getuid(), os.getpid())"
_probe_cache: dict[str, str | None] = {}


def probe(layer: str) -> str | None:
    """Whether ``layer`` works here: ``None`` if it does, else the reason it does not.

    The probe runs a one-line Python program through the layer's real command line.

    >>> probe("none") is None
    True
    """
    if layer in _probe_cache:
        return _probe_cache[layer]
    reason: str | None = None
    launch = None
    try:
        launch = make_launch(layer, 0, 1 << 20, seccomp_filter() if layer == "bwrap" else None)
        argv = launch.argv[: -len(_supervisor_argv("x", 0))] + [sandbox_python(), "-S", "-c", _PROBE]
        proc = subprocess.run(argv, capture_output=True, timeout=20, **launch.popen_kwargs())
        launch.after_start()
        out = proc.stdout.decode(errors="replace").split()
        if proc.returncode != 0 or len(out) != 2:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            reason = f"exit status {proc.returncode}: {err[-1] if err else 'no output'}"
        elif layer != "none" and out[1] != "1":
            reason = f"no private pid namespace (pid {out[1]})"
        elif os.geteuid() == 0 and out[0] == "0":
            reason = "the sandbox still runs as root"
    except SandboxUnavailable as exc:
        reason = str(exc)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    finally:
        if launch is not None:
            launch.after_start()
            launch.after_stop()
    _probe_cache[layer] = reason
    return reason


def choose_layer(isolation: str = "auto", require_namespaces: bool = True) -> str:
    """Pick the strongest working layer allowed by the settings; log the choice once per process.

    >>> choose_layer("none", require_namespaces=False)
    'none'
    """
    wanted = LAYERS if isolation == "auto" else (isolation,)
    reasons = []
    for layer in wanted:
        if layer == "none" and require_namespaces:
            reasons.append("none: refused because require_namespaces is true")
            continue
        reason = probe(layer)
        if reason is None:
            _log_choice(layer, reasons)
            return layer
        reasons.append(f"{layer}: {reason}")
    raise SandboxUnavailable(
        "no usable sandbox for the code reward ("
        + "; ".join(reasons)
        + "). Install bubblewrap (apt-get install bubblewrap), or allow unprivileged user "
        "namespaces (sysctl kernel.unprivileged_userns_clone=1), or set the reward parameter "
        "require_namespaces=false to run with rlimits and seccomp alone (unsafe for hostile code)."
    )


_logged: set[str] = set()


def _log_choice(layer: str, reasons: list[str]) -> None:
    if layer in _logged:
        return
    _logged.add(layer)
    skipped = f" (stronger layers unavailable: {'; '.join(reasons)})" if reasons else ""
    if layer == "bwrap":
        logger.info("code sandbox: isolation layer 'bwrap' (bubblewrap namespaces + seccomp)%s", skipped)
    elif layer == "unshare":
        logger.warning(
            "code sandbox: isolation layer 'unshare' (namespaces without a read-only system or a "
            "private /tmp mount)%s; install bubblewrap for full isolation",
            skipped,
        )
    else:
        logger.warning(
            "!!! code sandbox: isolation layer 'none' — rlimits and seccomp ONLY. Untrusted code "
            "can see host processes, files readable by uid %d and the network. Install bubblewrap "
            "(apt-get install bubblewrap).%s",
            SANDBOX_UID,
            skipped,
        )
