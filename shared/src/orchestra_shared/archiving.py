"""Where the learners' exported work folders are kept: one interface, two stores.

The operator writes an archive (``put``) when it exports a work folder, before a
Workshop is deleted or when its learner asks for one (docs/src/content/docs/decisions/0060); the api lists
a learner's archives, streams one to its owner, and deletes those past their
retention (``list``, ``open``, ``delete``). Both reach the store through
``ArchiveStore``, built from ``ArchiveSettings`` by ``open_store``:

- ``S3ArchiveStore``: any S3-compatible service (bucket, prefix, endpoint and
  credentials are settings), what operators of a cluster expect;
- ``FilesystemArchiveStore``: a directory (a PVC in the chart), for small installs
  and the dev stack.

The key is the record: ``{owner hash}/{instance}/{created}.tar.gz``. The writer (the
operator) has no database, so the store itself says which archives exist, whose they
are and when they were made; the api builds keys from the caller's own owner hash, so
a learner can only ever name their own archives.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CHUNK = 256 * 1024
_STAMP = "%Y%m%dT%H%M%S%fZ"
_KEY = re.compile(
    r"^(?P<owner>[0-9a-f]{16})/(?P<instance>[a-z0-9-]{1,63})/(?P<stamp>\d{8}T\d{12}Z)\.tar\.gz$"
)


class ArchiveSettings(BaseSettings):
    """One group for every service that touches archives (``ORCHESTRA_ARCHIVES_*``)."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_ARCHIVES_", extra="ignore")

    backend: Literal["none", "filesystem", "s3"] = Field(
        default="none",
        description=(
            "Where exported work folders go: 'filesystem' (``directory``), 's3' (``bucket``), "
            "or 'none' (no export: sessions end as before, and the dashboard says so)."
        ),
    )
    directory: Path | None = Field(
        default=None, description="The filesystem store's folder (a PVC in the chart)."
    )
    bucket: str | None = Field(default=None, description="The S3 bucket (it must exist).")
    prefix: str = Field(default="archives/", description="Prefix of every key in the bucket.")
    endpoint_url: str | None = Field(
        default=None, description="An S3-compatible service's URL; unset: AWS itself."
    )
    region: str = Field(default="us-east-1", description="The bucket's region.")
    access_key_id: str | None = Field(
        default=None, description="S3 credentials; unset: boto3's own chain (IRSA, profile)."
    )
    secret_access_key: SecretStr | None = Field(default=None, description="With access_key_id.")
    max_bytes: int = Field(
        default=2 * 1024**3,
        gt=0,
        description=(
            "Largest archive kept (bytes, compressed); a bigger work folder is an export "
            "failure, recorded, rather than a store filled by one learner. 2 GiB."
        ),
    )


@dataclass(frozen=True)
class ArchiveInfo:
    key: str
    owner_hash: str
    instance: str
    created_at: datetime
    size: int

    @property
    def archive_id(self) -> str:
        """The api's name of it: ``{instance}.{created}`` (instance names have no dots)."""
        return f"{self.instance}.{self.key.rsplit('/', 1)[-1].removesuffix('.tar.gz')}"


class ArchiveMissing(LookupError):
    """No archive under that key (never made, or deleted by retention)."""


class ArchiveTooLarge(ValueError):
    """The archive passed ``max_bytes`` while it was being written; nothing was kept."""


def archive_key(owner_hash: str, instance: str, created_at: datetime) -> str:
    return f"{owner_hash}/{instance}/{created_at.astimezone(UTC).strftime(_STAMP)}.tar.gz"


def key_of_id(owner_hash: str, archive_id: str) -> str | None:
    """The key of one of ``owner_hash``'s archives from its api name; None if malformed."""
    instance, _, stamp = archive_id.rpartition(".")
    key = f"{owner_hash}/{instance}/{stamp}.tar.gz"
    return key if _KEY.match(key) else None


def parse_key(key: str, size: int) -> ArchiveInfo | None:
    match = _KEY.match(key)
    if match is None:
        return None
    created = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    return ArchiveInfo(key, match["owner"], match["instance"], created, size)


class ArchiveStore(Protocol):
    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> ArchiveInfo:
        """Store the archive whole, or nothing (``ArchiveTooLarge``, or the chunks' error)."""

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The archive's bytes; ``ArchiveMissing`` if there is none."""

    async def delete(self, key: str) -> bool:
        """Remove it; False if it was already gone (retention is idempotent)."""

    async def list(self, prefix: str = "") -> list[ArchiveInfo]:
        """Every archive whose key starts with ``prefix`` (``{owner hash}/`` for one learner)."""

    async def close(self) -> None: ...


async def _spool(chunks: AsyncIterator[bytes], into: Any, max_bytes: int) -> int:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise ArchiveTooLarge(f"the work folder's archive passed {max_bytes} bytes")
        await asyncio.to_thread(into.write, chunk)
    return size


class FilesystemArchiveStore:
    """Archives as files under one directory; a write is a temporary file renamed."""

    def __init__(self, directory: Path, *, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if parse_key(key, 0) is None:
            raise ArchiveMissing(key)  # never a path outside the store
        return self.directory / key

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> ArchiveInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as file:
                size = await _spool(chunks, file, self.max_bytes)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        info = parse_key(key, size)
        assert info is not None
        return info

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            file = self._path(key).open("rb")
        except FileNotFoundError as error:
            raise ArchiveMissing(key) from error
        return self._read(file)

    @staticmethod
    async def _read(file: Any) -> AsyncIterator[bytes]:
        with file:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                yield chunk

    async def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, ArchiveMissing):
            return False
        return True

    async def list(self, prefix: str = "") -> list[ArchiveInfo]:
        def scan() -> list[ArchiveInfo]:
            found: list[ArchiveInfo] = []
            if not self.directory.is_dir():
                return found
            for path in self.directory.glob("*/*/*.tar.gz"):
                key = path.relative_to(self.directory).as_posix()
                info = parse_key(key, path.stat().st_size) if key.startswith(prefix) else None
                if info is not None:
                    found.append(info)
            return sorted(found, key=lambda a: a.key)

        return await asyncio.to_thread(scan)

    async def close(self) -> None:
        return None


class S3ArchiveStore:
    """Archives as objects of one bucket, through boto3 (its calls run in threads)."""

    def __init__(self, settings: ArchiveSettings) -> None:
        import boto3  # only installs that use S3 pay for its import

        if settings.bucket is None:
            raise ValueError("ORCHESTRA_ARCHIVES_BUCKET is required for the s3 backend")
        secret = settings.secret_access_key
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
        )
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self.max_bytes = settings.max_bytes

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> ArchiveInfo:
        if parse_key(key, 0) is None:
            raise ValueError(f"not an archive key: {key!r}")
        # Spooled first: the size is known, and a failed export leaves no half object.
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            size = await _spool(chunks, spool, self.max_bytes)
            spool.seek(0)
            await asyncio.to_thread(
                self.client.upload_fileobj,
                spool,
                self.bucket,
                self.prefix + key,
                ExtraArgs={"ContentType": "application/gzip"},
            )
        info = parse_key(key, size)
        assert info is not None
        return info

    async def open(self, key: str) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            response = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=self.prefix + key
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ArchiveMissing(key) from error
            raise
        return self._read(response["Body"])

    @staticmethod
    async def _read(body: Any) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self.prefix + key
            )
        except ClientError:
            return False
        await asyncio.to_thread(
            self.client.delete_object, Bucket=self.bucket, Key=self.prefix + key
        )
        return True

    async def list(self, prefix: str = "") -> list[ArchiveInfo]:
        def scan() -> list[ArchiveInfo]:
            found: list[ArchiveInfo] = []
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    info = parse_key(str(item["Key"])[len(self.prefix) :], int(item["Size"]))
                    if info is not None:
                        found.append(info)
            return sorted(found, key=lambda a: a.key)

        return await asyncio.to_thread(scan)

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)


def open_store(settings: ArchiveSettings) -> ArchiveStore | None:
    """The configured store, or None when exports are off (``backend: none``)."""
    if settings.backend == "filesystem":
        if settings.directory is None:
            raise ValueError("ORCHESTRA_ARCHIVES_DIRECTORY is required for the filesystem backend")
        return FilesystemArchiveStore(settings.directory, max_bytes=settings.max_bytes)
    if settings.backend == "s3":
        return S3ArchiveStore(settings)
    return None
