"""Where the week's files arrive: a folder by default, an S3 bucket and prefix in the stack.

A *batch* is one delivery: a folder (or key prefix) of CSV files in the
schema of docs/csv-schema.md, under ``incoming/``. Batches are taken in name
order (name them by date: ``2026-06-14``). A processed batch moves to
``archive/``, a rejected or held one to ``rejected/`` with the reason beside it,
so nothing arrives twice and nothing is lost.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from prospects import config

INCOMING, ARCHIVE, REJECTED = "incoming", "archive", "rejected"
REASON_FILE = "REASON.txt"


class DropLocation(Protocol):
    """What the ingest needs from a drop location."""

    def describe(self) -> str: ...
    def pending(self) -> list[str]: ...
    def held(self) -> list[str]: ...
    def fetch(self, batch: str, into: Path, where: str = INCOMING) -> None: ...
    def put(self, batch: str, files: Path) -> None: ...
    def settle(self, batch: str, where: str, reason: str = "", source: str = INCOMING) -> None: ...


class FolderDrop:
    """A folder with ``incoming/``, ``archive/`` and ``rejected/`` under it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def pending(self) -> list[str]:
        incoming = self.root / INCOMING
        if not incoming.is_dir():
            return []
        return sorted(p.name for p in incoming.iterdir() if p.is_dir())

    def held(self) -> list[str]:
        """Batches set aside in ``rejected/`` (held or rejected), which a person may force in."""
        rejected = self.root / REJECTED
        if not rejected.is_dir():
            return []
        return sorted(p.name for p in rejected.iterdir() if p.is_dir())

    def fetch(self, batch: str, into: Path, where: str = INCOMING) -> None:
        for path in (self.root / where / batch).iterdir():
            if path.is_file():
                shutil.copy2(path, into / path.name)

    def put(self, batch: str, files: Path) -> None:
        """Deliver a batch: written under a hidden name, then renamed, so it appears whole."""
        incoming = self.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        partial = incoming / f".{batch}.partial"
        shutil.copytree(files, partial, dirs_exist_ok=True)
        os.replace(partial, incoming / batch)

    def settle(self, batch: str, where: str, reason: str = "", source: str = INCOMING) -> None:
        target = self.root / where / batch
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(self.root / source / batch), target)
        if reason:
            (target / REASON_FILE).write_text(reason + "\n", encoding="utf-8")


class S3Drop:
    """A bucket and prefix on any S3-compatible store (the one MLflow's artifacts live in).

    Credentials and endpoint come from boto3's usual environment
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``); S3
    has no rename, so settling a batch copies its objects and deletes the originals.
    """

    def __init__(self, bucket: str, prefix: str = "", client=None) -> None:  # type: ignore[no-untyped-def]
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _keys(self, under: str) -> list[str]:
        keys: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=under
        )
        for page in pages:
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def _batches(self, where: str) -> list[str]:
        under = self._key(where) + "/"
        batches = {
            k[len(under) :].split("/", 1)[0] for k in self._keys(under) if "/" in k[len(under) :]
        }
        return sorted(b for b in batches if not b.startswith("."))

    def pending(self) -> list[str]:
        return self._batches(INCOMING)

    def held(self) -> list[str]:
        return self._batches(REJECTED)

    def fetch(self, batch: str, into: Path, where: str = INCOMING) -> None:
        under = self._key(where, batch) + "/"
        for key in self._keys(under):
            name = key[len(under) :]
            if name and "/" not in name:
                self.client.download_file(self.bucket, key, str(into / name))

    def put(self, batch: str, files: Path) -> None:
        for path in sorted(files.iterdir()):
            if path.is_file():
                self.client.upload_file(
                    str(path), self.bucket, self._key(INCOMING, batch, path.name)
                )

    def settle(self, batch: str, where: str, reason: str = "", source: str = INCOMING) -> None:
        under = self._key(source, batch) + "/"
        for key in self._keys(under):
            target = self._key(where, batch, key[len(under) :])
            self.client.copy_object(
                Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": key}
            )
            self.client.delete_object(Bucket=self.bucket, Key=key)
        if reason:
            body = (reason + "\n").encode()
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(where, batch, REASON_FILE), Body=body
            )


def feed_url() -> str:
    """``$CALLUP_FEED_URL``: a folder path, ``file://...`` or ``s3://bucket/prefix``; default
    ``<var dir>/feed``."""
    return os.environ.get("CALLUP_FEED_URL") or str(config.var_dir() / "feed")


def drop_location(url: str | None = None) -> DropLocation:
    """The drop location ``url`` (default: :func:`feed_url`) names."""
    url = url or feed_url()
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"CALLUP_FEED_URL {url!r} names no bucket")
        return S3Drop(parsed.netloc, parsed.path)
    if parsed.scheme == "file":
        return FolderDrop(parsed.path)
    if parsed.scheme:
        raise ValueError(f"CALLUP_FEED_URL must be a folder, file:// or s3://, got {url!r}")
    return FolderDrop(url)
