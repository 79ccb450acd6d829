"""Extract an uploaded .zip without trusting it: no path traversal (absolute paths, '..',
drive letters), no symlinks, no encrypted entries, and caps on the number of entries and on
the bytes actually written, so a zip bomb stops at the cap whatever its headers claim."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import MlsdError

_CHUNK = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")


class ZipRejected(MlsdError):
    """The archive cannot be used at all: corrupt, too many entries or too large."""


@dataclass
class Extracted:
    """What came out of an archive: (name inside it, path on disk) per file kept, one line
    per entry skipped and why, and how many entries the filter ignored."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ignored: int = 0


def safe_member_name(name: str) -> str | None:
    """The member's path as a clean relative POSIX path, or None when it would escape the
    destination (absolute, a drive letter, '..') or names nothing."""
    name = name.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name) or "\x00" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def is_symlink(info: zipfile.ZipInfo) -> bool:
    """True when a Unix-made entry is a symbolic link (its mode sits in the high 16 bits)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def extract_zip(
    source: Path,
    dest: Path,
    *,
    max_entries: int,
    max_bytes: int,
    keep: Callable[[str], bool] | None = None,
    label: str | None = None,
) -> Extracted:
    """Extract the regular files of `source` under `dest`, keeping those `keep` accepts.

    Raises ZipRejected for a corrupt archive, more than `max_entries` entries, or more than
    `max_bytes` uncompressed (declared or actually read). A bad entry is skipped, not fatal."""
    name = label or source.name
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ZipRejected(f"{name}: not a valid .zip file ({exc})") from exc
    except OSError as exc:
        raise ZipRejected(f"{name}: cannot read ({exc.strerror or exc})") from exc
    out = Extracted()
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise ZipRejected(
                f"{name}: {len(infos)} entries, over the limit of {max_entries} "
                "(MLSD_MAX_ZIP_ENTRIES)"
            )
        declared = sum(i.file_size for i in infos if not i.is_dir())
        if declared > max_bytes:
            raise ZipRejected(
                f"{name}: {_mb(declared)} uncompressed, over the limit of {_mb(max_bytes)} "
                "(MLSD_MAX_ZIP_MB)"
            )
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        written = 0
        for info in infos:
            if info.is_dir():
                continue
            rel = safe_member_name(info.filename)
            if rel is None:
                out.skipped.append(f"{info.filename}: unsafe path (absolute or '..'), skipped")
                continue
            if is_symlink(info):
                out.skipped.append(f"{rel}: symbolic link, skipped")
                continue
            if info.flag_bits & 0x1:
                out.skipped.append(f"{rel}: encrypted, skipped")
                continue
            if keep is not None and not keep(rel):
                out.ignored += 1
                continue
            target = (root / rel).resolve()
            if not target.is_relative_to(root) or target == root:
                out.skipped.append(f"{rel}: unsafe path, skipped")
                continue
            if target.exists():
                out.skipped.append(f"{rel}: duplicate entry, skipped")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                written = _copy(archive, info, target, written, max_bytes, name)
            except ZipRejected:
                target.unlink(missing_ok=True)
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
                target.unlink(missing_ok=True)
                out.skipped.append(f"{rel}: corrupt entry ({exc}), skipped")
                continue
            out.files.append((rel, target))
    return out


def _copy(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    written: int,
    max_bytes: int,
    name: str,
) -> int:
    """Stream one entry to disk, counting real bytes against the cap; the new total."""
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise ZipRejected(
                    f"{name}: expands past the limit of {_mb(max_bytes)} (MLSD_MAX_ZIP_MB)"
                )
            dst.write(chunk)
    return written
