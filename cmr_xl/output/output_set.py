"""The files one command replaces, as one transaction: all new, or all as they were.

Every command that writes (`run` and `demo`: the CSV bundle and the workbook; `recalc`: its
workbook; `export`: the court copies; `new`) goes through an `OutputSet`:

1. Before any work, every target is checked (`check_target`: its folder exists or can be
   made, is writable, the name fits the file system, the target is a plain file that is not
   an input, not read-only, not open in Excel or LibreOffice) and the inputs are checked to
   be plain files (`check_input`: a FIFO or a device would hang or be read once).
2. A lock file beside each target (`.NAME.cmr-xl.lock`: pid, host, start time, command)
   is held for the whole command; a second command on the same target exits 2 naming the
   holder. A lock left by a dead process on this host is taken over, with a note.
   Temporary files left beside the targets by a killed command are removed, with a note.
3. Each file is written to a temporary file beside its target (`.NAME.XXXXXXXX.part`,
   `stage`; `files.atomic_path` uses it), and nothing is replaced while the work runs.
4. At the end all temporary files are moved over their targets together, with SIGINT and
   SIGTERM held back until the last one is in place. The moves are first written into
   the lock files (a journal): a command killed (SIGKILL, power loss) between two moves is
   completed by the next command that takes its lock over. A move that fails puts back the
   files already moved (hard-link backups), so the set is again all old.

On failure or interrupt nothing is replaced, every temporary file is removed, and the error
says so (`OutputError`, `Interrupted.report`). Folders the command made are removed again.

Test hook (documented for tests/test_output_set.py): with CMR_XL_TEST_PAUSE_AT=STEP the
command stops at that step, writes STEP to the file CMR_XL_TEST_PAUSE_FILE, and waits (at
most two minutes) for a signal. Steps: `locked` (outputs checked and locked, before any
input is read), `start:NAME` (temporary file made, empty), `written:NAME` (temporary file
complete), `commit` (journal written, nothing moved yet), `moved:NAME` (that file moved,
signals held back), `committed` (every file moved, locks not yet released).
"""

from __future__ import annotations

import contextvars
import errno
import json
import os
import re
import secrets
import signal
import socket
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cmr_xl.common.errors import InputError
from cmr_xl.common.inputs import check_input

try:  # POSIX: a lock held by a dead process is released by the kernel
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_SUFFIX = ".cmr-xl.lock"
TEMP_SUFFIX = ".part"
_RANDOM = 8  # characters of a temporary name's random part (as tempfile.mkstemp makes)
#: What a temporary name adds to the target's name at most: ".NAME.XXXXXXXX.old.part".
NAME_OVERHEAD = 2 + _RANDOM + len(".old") + len(TEMP_SUFFIX)
PAUSE_AT, PAUSE_FILE = "CMR_XL_TEST_PAUSE_AT", "CMR_XL_TEST_PAUSE_FILE"
PAUSE_SECONDS = 120
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP")
                      if hasattr(signal, n))
_ACTIVE: contextvars.ContextVar[OutputSet | None] = contextvars.ContextVar(
    "cmr_xl_output_set", default=None)

Note = Callable[[str], None]


class OutputError(InputError):
    """An output could not be checked, locked or written (names the file, says what to
    do and, once the set is closed, whether anything was replaced)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP during a command; `report` says what was replaced."""

    def __init__(self, signum: int = signal.SIGINT, report: str = "nothing was replaced") -> None:
        super().__init__(report)
        self.signum, self.report = signum, report

    @property
    def exit_status(self) -> int:
        return 128 + int(self.signum)

    @property
    def word(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else "terminated"


# --- checks before any work ------------------------------------------------------------


def check_target(target: str | Path, inputs: Sequence[str | Path] = ()) -> None:
    """Everything that can be known about replacing `target` before the work: raises an
    OutputError naming the file and what to do. Makes nothing."""
    target = Path(target)
    given = str(target)
    name_max = _check_folder(given, target.parent)
    length, most = len(os.fsencode(target.name)), name_max - NAME_OVERHEAD
    if length > most:
        raise OutputError(given, f"the file name has {length} bytes: this file system takes "
                          f"names of at most {name_max}, and cmr-xl needs {NAME_OVERHEAD} more "
                          "for the temporary copy it writes first",
                          f"Choose a file name of at most {most} bytes")
    for path in inputs:
        if _same_file(target, Path(path)):
            raise OutputError(given, "is one of the input files",
                              "Choose another name for the output: cmr-xl never writes over "
                              "its inputs")
    if not os.path.lexists(target):
        return
    try:
        mode = os.stat(target).st_mode
    except OSError as error:
        raise OutputError(given, f"cannot be checked ({_reason(error)})",
                          "Choose another output path") from None
    if stat.S_ISDIR(mode):
        raise OutputError(given, "is a folder", "Move it away or choose another name")
    if not stat.S_ISREG(mode):
        raise OutputError(given, "is a pipe or a device, not a file",
                          "Choose a file name in a folder")
    check_replaceable(target)


def open_in_office(path: Path) -> Path | None:
    """The lock file Excel (`~$NAME`) or LibreOffice (`.~lock.NAME#`) keeps beside a
    workbook it has open, if there is one."""
    for lock in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if lock.exists():
            return lock
    return None


def check_replaceable(target: Path) -> None:
    """An existing target must be writable and not open in Excel or LibreOffice (their
    lock file beside it): one check for every command."""
    lock = open_in_office(target)
    if lock is not None:
        raise OutputError(str(target), f"is open in Excel or LibreOffice (lock file "
                          f"{lock.name})", "Close it and run the command again; nothing "
                          "was written")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    if not mode & stat.S_IWUSR:
        raise OutputError(str(target), "is read-only", "Make it writable, or write to another "
                          "file or folder; nothing was written")


def check_folder(folder: str | Path) -> None:
    """An output folder: exists as a folder or can be made in a writable one."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputError(str(folder), "is a file, not a folder", "Choose a folder")
    _check_folder(str(folder), folder)


def _check_folder(given: str, folder: Path) -> int:
    """`folder` exists, or can be made, in a writable folder; returns its name limit."""
    ancestor = folder
    missing: list[str] = []
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        missing.append(ancestor.name)
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(given, f"cannot be written: {ancestor} is a file, not a folder",
                          "Choose a path inside a folder")
    name_max = _name_max(ancestor)
    for part in missing:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(given, f"cannot be written: the folder name {part[:40]}... has "
                              f"{len(os.fsencode(part))} bytes, more than the {name_max} this "
                              "file system allows", "Choose a shorter folder name")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(given, f"cannot be written: the folder {ancestor} is not writable",
                          "Choose a folder you can write to, or ask IT for write access")
    return name_max


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.EROFS:
        return "the folder is on a read-only file system"
    return error.strerror or str(error)


def _fix(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "Free some space on that disk or write to another folder"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Choose a folder you can write to"
    return "Check the disk and the folder, or write to another folder"


# --- the lock beside each target ----------------------------------------------------------


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{LOCK_SUFFIX}")


def _temp_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f".{target.name}.") + f"[a-z0-9_]{{{_RANDOM}}}"
                      + r"(?:\.old)?" + re.escape(TEMP_SUFFIX))


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # cannot tell: the lock is refused, the message says how to remove it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class _Lock:
    """`.NAME.cmr-xl.lock` beside a target: held with flock (released by the kernel when
    the process dies) and holding who took it and, while files move, the journal."""

    def __init__(self, target: Path, record: dict[str, Any]) -> None:
        self.target, self.path, self.fd = target, lock_path(target), -1
        self.record = record

    def acquire(self) -> dict[str, Any] | None:
        """Take the lock; returns the record a dead holder left (to recover), or None."""
        for _ in range(10):
            if fcntl is None:  # pragma: no cover - Windows: O_EXCL makes it ours
                if self._exclusive():
                    break
                continue
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                held = _read_record(fd)
                os.close(fd)
                raise self._held(held) from None
            try:  # the file may have been removed by its holder before we locked it
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                break
            os.close(fd)
        else:
            raise OutputError(str(self.target), "could not be locked", "Run the command again")
        left = _read_record(self.fd)
        if left and left.get("host") != self.record["host"]:
            self.release(remove=False)
            raise self._held(left)
        try:
            self.write()
        except OSError:
            self.release()
            raise
        return left or None

    def _exclusive(self) -> bool:  # pragma: no cover - Windows
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            return True
        except FileExistsError:
            with open(self.path, "rb") as handle:
                try:
                    held = json.loads(handle.read() or b"{}")
                except ValueError:
                    held = {}
            if held.get("host") != self.record["host"] or _alive(int(held.get("pid", 0))):
                raise self._held(held) from None
            os.unlink(self.path)
            return False

    def _held(self, record: dict[str, Any]) -> OutputError:
        who = (f"process {record.get('pid', '?')} on {record.get('host', '?')}, started "
               f"{record.get('started', '?')}: {record.get('command', 'cmr-xl')}"
               if record else "another process")
        return OutputError(str(self.target), f"is being written by another cmr-xl command "
                           f"({who})", "Wait for it to finish and run again. If it is not "
                           f"running any more, delete the lock file {self.path}")

    def write(self) -> None:
        data = json.dumps(self.record, indent=1).encode()
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, data)

    def release(self, *, remove: bool = True) -> None:
        if self.fd < 0:
            return
        if remove:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        os.close(self.fd)
        self.fd = -1


def _read_record(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 1 << 20)
        record = json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        record = {}  # a lock being written, or cut: no journal to finish
    return record if isinstance(record, dict) else {}


# --- the transaction ---------------------------------------------------------------------


@dataclass
class _Staged:
    target: Path
    temp: Path
    done: bool = False


@dataclass
class OutputSet:
    """See the module docstring. Use `output_set(...)`, never this class directly."""

    note: Note | None = None
    inputs: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    _locks: dict[Path, _Lock] = field(default_factory=dict)
    _staged: dict[Path, _Staged] = field(default_factory=dict)
    _made: list[Path] = field(default_factory=list)
    _pending: int = 0  # a stop signal held back while files move
    _handlers: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.record = {"pid": os.getpid(), "host": socket.gethostname(),
                       "started": datetime.now().isoformat(timespec="seconds"),
                       "command": " ".join(["cmr-xl", *sys.argv[1:]])[:500], "moves": []}

    # -- declaring and locking targets ----------------------------------------------------

    def add(self, targets: Iterable[str | Path], inputs: Iterable[str | Path] = ()) -> None:
        """Check, lock and clean beside more targets (a command may learn them late)."""
        for path in inputs:
            check_input(path)
            self.inputs.append(Path(path))
        given = [Path(t) for t in targets]
        for i, target in enumerate(given):
            if _key(target) in {_key(t) for t in given[:i]}:
                raise OutputError(str(target), "is given twice as an output of this command",
                                  "Give each output its own name")
        new = [t for t in given if _key(t) not in self._locks]
        for target in new:
            check_target(target, self.inputs)
        left: dict[tuple[Any, Any], list[Path]] = {}
        for target in new:
            record = self._lock(target)
            if record:
                left.setdefault((record.get("pid", "?"), record.get("started", "?")),
                                []).append(target)
                self._finish_moves(record)
        for (pid, started), taken in left.items():
            self._say(f"took over the lock on {', '.join(map(str, taken))} left by process "
                      f"{pid} (started {started}), which is no longer running")
        for target in new:
            self._clean(target)

    def _lock(self, target: Path) -> dict[str, Any] | None:
        """Lock `target`; returns what a dead holder left in its lock, if anything."""
        self._make_folder(target.parent)
        lock = _Lock(target, self.record)
        try:
            left = lock.acquire()
        except OSError as error:
            raise OutputError(str(target), f"cannot be written ({_reason(error)}: the lock "
                              f"file {lock.path.name} could not be made)", _fix(error)) from None
        self._locks[_key(target)] = lock
        return left

    def _make_folder(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                continue
            except OSError as error:
                raise OutputError(str(path), f"cannot be made as a folder ({_reason(error)})",
                                  _fix(error)) from None
            self._made.append(path)

    def _finish_moves(self, left: dict[str, Any]) -> None:
        """A dead holder's journal: finish the moves it had begun (all its temporary files
        were complete), so its output set is all new rather than half."""
        moved = []
        for temp, target, backup in left.get("moves") or []:
            if os.path.exists(temp):
                try:
                    os.replace(temp, target)
                    moved.append(Path(target).name)
                except OSError as error:
                    self._say(f"{target}: could not finish replacing it from {temp} "
                              f"({_reason(error)})")
            if backup and os.path.exists(backup):
                os.unlink(backup)
        if moved:
            self._say(f"finished replacing {', '.join(moved)}, which the stopped process had "
                      "begun to replace: its outputs are now complete")

    def _clean(self, target: Path) -> None:
        """Remove temporary files a killed command left beside `target` (only the holder of
        the target's lock writes them)."""
        pattern = _temp_pattern(target)
        ours = {s.temp.name for s in self._staged.values()}
        try:
            names = os.listdir(target.parent)
        except OSError:
            return
        stale = sorted(n for n in names if pattern.fullmatch(n) and n not in ours)
        removed = []
        for name in stale:
            try:
                os.unlink(target.parent / name)
                removed.append(name)
            except OSError:
                pass
        if removed:
            self._say(f"removed {len(removed)} temporary file(s) left by an interrupted run "
                      f"in {target.parent}: {', '.join(removed)}")

    def _say(self, text: str) -> None:
        if self.note:
            self.note(text)

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def stage(self, target: str | Path) -> Iterator[Path]:
        """A temporary path beside `target`, moved over it when the whole set commits."""
        target = Path(target)
        if _key(target) not in self._locks:
            self.add([target])
        previous = self._staged.pop(_key(target), None)
        if previous is not None:
            _unlink(previous.temp)
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX,
                                            dir=target.parent)
        except OSError as error:
            raise OutputError(str(target), f"could not be written ({_reason(error)})",
                              _fix(error)) from None
        os.close(handle)
        staged = _Staged(target, Path(name))
        self._staged[_key(target)] = staged
        _pause(self, f"start:{target.name}")
        try:
            yield staged.temp
        except OSError as error:
            raise OutputError(str(target), f"could not be written ({_reason(error)})",
                              _fix(error)) from None
        staged.done = True
        _pause(self, f"written:{target.name}")

    # -- the end: all or nothing -------------------------------------------------------------

    def commit(self) -> None:
        moves = [s for s in self._staged.values() if s.done]
        for staged in moves:
            check_replaceable(staged.target)
        backups: dict[Path, Path | None] = {}
        for staged in moves:
            backups[staged.target] = _backup(staged.target)
            os.chmod(staged.temp, new_file_mode(staged.target))
        self.record["moves"] = [[str(s.temp), str(s.target),
                                 str(backups[s.target]) if backups[s.target] else None]
                                for s in moves]
        with self._holding_signals():
            for lock in self._locks.values():
                lock.write()
            _pause(self, "commit")
            done: list[_Staged] = []
            try:
                for staged in moves:
                    os.replace(staged.temp, staged.target)
                    done.append(staged)
                    _pause(self, f"moved:{staged.target.name}")
            except OSError as error:
                report = self._roll_back(done, backups)
                raise OutputError(str(staged.target), f"could not be replaced ({_reason(error)})",
                                  f"{_fix(error)}; {report}") from None
            self.replaced = [s.target for s in moves]
            self._staged.clear()
            for backup in backups.values():
                if backup is not None:
                    _unlink(backup)
            _pause(self, "committed")

    def _roll_back(self, done: list[_Staged], backups: dict[Path, Path | None]) -> str:
        """Put back the files already moved; returns what is true afterwards."""
        still_new = []
        for staged in reversed(done):
            backup = backups[staged.target]
            try:
                if backup is not None:
                    os.replace(backup, staged.target)
                else:
                    os.unlink(staged.target)
            except OSError:
                still_new.append(staged.target.name)
        if still_new:
            return (f"{', '.join(still_new)} could not be put back and hold the new output; "
                    "the other files are as they were")
        return "nothing was replaced"

    def discard(self) -> None:
        for staged in self._staged.values():
            _unlink(staged.temp)
        self._staged.clear()

    def close(self) -> None:
        for lock in self._locks.values():
            lock.release()
        self._locks.clear()

    def remove_made_folders(self) -> None:
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:
                pass

    # -- signals ------------------------------------------------------------------------------

    def install_handlers(self) -> None:
        """SIGTERM and SIGHUP stop the command like Ctrl-C, so that cleanup runs."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _STOP_SIGNALS:  # an ignored signal (nohup, `&`) stays ignored
            if signum != signal.SIGINT and signal.getsignal(signum) == signal.SIG_DFL:
                self._handlers[signum] = signal.signal(signum, _raise_interrupted)

    def restore_handlers(self) -> None:
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        self._handlers.clear()

    @contextmanager
    def _holding_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def hold(signum: int, _frame: Any) -> None:
            self._pending = signum

        previous = {s: signal.signal(s, hold) for s in _STOP_SIGNALS
                    if signal.getsignal(s) != signal.SIG_IGN}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if self._pending:
            raise Interrupted(self._pending)


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _backup(target: Path) -> Path | None:
    """A hard link to the file about to be replaced, to put it back if a move fails."""
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}.{secrets.token_hex(_RANDOM // 2)}.old{TEMP_SUFFIX}")
    try:
        os.link(target, backup)
    except OSError:
        return None  # no hard links here: a failed move then cannot be undone (said so)
    return backup


def new_file_mode(path: Path) -> int:
    """The existing file's mode when it is being replaced, else what `open` would give."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _raise_interrupted(signum: int, _frame: Any) -> None:
    raise Interrupted(signum)


def _pause(outputs: OutputSet, step: str) -> None:
    """The test hook (module docstring): stop at `step` until a signal arrives."""
    if os.environ.get(PAUSE_AT) != step:
        return
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        Path(marker).write_text(step + "\n", encoding="utf-8")
    deadline = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < deadline and not outputs._pending:
        time.sleep(0.01)


# --- public entry points --------------------------------------------------------------------


@contextmanager
def output_set(targets: Iterable[str | Path] = (), *, inputs: Iterable[str | Path] = (),
               note: Note | None = None) -> Iterator[OutputSet]:
    """Check and lock `targets` (more may be added, or staged, inside); on a clean exit
    replace every staged file together. Inside another output set, join it: the outer one
    commits."""
    outer = _ACTIVE.get()
    if outer is not None:
        outer.add(targets, inputs)
        yield outer
        return
    outputs = OutputSet(note=note)
    outputs.install_handlers()
    token = _ACTIVE.set(outputs)
    committed = False
    try:
        outputs.add(targets, inputs)
        _pause(outputs, "locked")
        yield outputs
        outputs.commit()
        committed = True
    except Interrupted as error:
        if committed or outputs.replaced:
            error.report = _replaced_report(outputs.replaced)
        else:
            error.report = _nothing_report(outputs)
        raise
    except KeyboardInterrupt as error:
        raise Interrupted(signal.SIGINT, _nothing_report(outputs)) from error
    except OutputError as error:
        if "nothing was" not in error.fix and "could not be put back" not in error.fix:
            error.fix = f"{error.fix}; nothing was replaced" if error.fix else \
                "Nothing was replaced"
        raise
    finally:
        _ACTIVE.reset(token)
        outputs.discard()  # nothing left to discard after a commit
        outputs.close()
        if not committed and not outputs.replaced:
            outputs.remove_made_folders()
        outputs.restore_handlers()


def _nothing_report(outputs: OutputSet) -> str:
    if outputs._staged:
        return "nothing was replaced; the temporary files were removed"
    return "nothing was replaced"


def _replaced_report(replaced: Sequence[Path]) -> str:
    return (f"after every output was replaced ({', '.join(p.name for p in replaced)}): "
            "they are complete")


@contextmanager
def stage(target: str | Path) -> Iterator[Path]:
    """A temporary path beside `target` within the running output set (or a set of its
    own, committed at once)."""
    outputs = _ACTIVE.get()
    if outputs is not None:
        with outputs.stage(target) as temporary:
            yield temporary
        return
    with output_set([target]) as outputs, outputs.stage(target) as temporary:
        yield temporary
