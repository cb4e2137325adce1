"""A full file system, said once: what could not be written, the space free against what was needed, what is
still usable and how to go on, with the partial files removed.

The package's writers raise `DiskFullError` (checkpoints: `callbacks.Checkpointer`; the export: `write_folder`;
the prepared form: `prepared.prepare`), and `training.run` turns any other write that meets a full file system
(logs, sample grids) into one too; the entry points (train.py, the CLI, `reproduce`) print its message and exit
with status 1, without a traceback. Nothing here imports TensorFlow.
"""

import errno
import pathlib
import shutil

FULL_MESSAGES = ("No space left on device", "Disk quota exceeded")  # TensorFlow's file errors carry strerror


class DiskFullError(RuntimeError):
    """A write failed because its file system is full; the message says what to do."""


def is_disk_full(error):
    """True for what a full file system raises: Python's OSError ENOSPC or EDQUOT, or TensorFlow's
    ResourceExhaustedError of a file write (which says "No space left on device"; out of memory says otherwise)."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return type(error).__name__ == "ResourceExhaustedError" and any(text in str(error) for text in FULL_MESSAGES)


def free_bytes(path):
    """Bytes free to an unprivileged writer on the file system of `path` (or of its nearest existing parent)."""
    path = pathlib.Path(path).absolute()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def size(paths):
    """Total bytes of the files among `paths` and under the folders among them."""
    total = 0
    for path in map(pathlib.Path, paths):
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        total += sum(file.stat().st_size for file in files if file.is_file())
    return total


def remove(paths):
    """Deletes the files and folders among `paths` (missing ones are fine)."""
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def megabytes(count):
    return f"{count / 1e6:,.1f} MB"


def full(what, where, needed, then):
    """The `DiskFullError` of a failed write of `what` in folder `where`, `needed` bytes (None: unknown), with
    `then`: what is still usable and how to go on."""
    need = f", about {megabytes(needed)} needed" if needed else ""
    free = megabytes(free_bytes(where))
    return DiskFullError(f"Could not write {what} in '{where}': its file system is full ({free} free{need}). {then}")


def write_folder(path, write, what, then):
    """Calls `write(partial)` to fill a new folder, then puts it at `path` in place of any previous one; on a full
    file system the partial folder is removed, any previous one kept, and a `DiskFullError` raised (the space
    needed: the previous folder's size, when there is one)."""
    path = pathlib.Path(path)
    partial, previous = path.with_name(path.name + ".partial"), path.with_name(path.name + ".previous")
    remove([partial, previous])
    try:
        write(partial)
    except Exception as error:
        remove([partial])
        if is_disk_full(error):
            raise full(what, path.parent, size([path]) or None, then) from None
        raise
    if path.exists():
        path.replace(previous)
    partial.replace(path)
    remove([previous])
