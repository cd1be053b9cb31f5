"""The compose stack's artifact bucket: created, versioned, and proven to write and read.

``python -m prospects.s3bucket`` runs once (the ``s3-init`` service) before the
MLflow server starts: it waits for the S3 endpoint, creates ``$MLFLOW_BUCKET``
if missing, turns versioning on (an overwritten or deleted artifact is never
lost) and checks that it is on, then writes, reads back and deletes a probe
object, so a misconfigured store fails the stack at start, not at the first
model registration. Credentials and endpoint come from the environment
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``MLFLOW_S3_ENDPOINT_URL``),
as for the MLflow server itself. Needs ``boto3`` (the ``server`` extra).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from typing import Any

PROBE_PREFIX = "_callup-probe/"


class BucketError(RuntimeError):
    """The store answered, but not as a versioned, writable bucket should."""


def ensure_versioned_bucket(s3: Any, bucket: str) -> None:
    """Create ``bucket`` if missing and turn versioning on; raise unless it reads back on."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        raise BucketError(f"bucket {bucket!r}: versioning is {status!r}, not 'Enabled'")


def probe_write_read(s3: Any, bucket: str) -> None:
    """Write an object, read it back byte for byte, delete it (every version)."""
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    body = key.encode()
    written = s3.put_object(Bucket=bucket, Key=key, Body=body)
    read = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if read != body:
        raise BucketError(f"bucket {bucket!r}: read back {len(read)} bytes, wrote {len(body)}")
    version = written.get("VersionId")
    if version:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
    else:
        s3.delete_object(Bucket=bucket, Key=key)


def _client() -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"])


def main(attempts: int = 60, pause: float = 2.0) -> int:
    """Wait for the store, then make and check the bucket; 0 on success."""
    bucket = os.environ.get("MLFLOW_BUCKET", "mlflow")
    last: Exception | None = None
    for _ in range(attempts):
        try:
            s3 = _client()
            ensure_versioned_bucket(s3, bucket)
            probe_write_read(s3, bucket)
        except BucketError as exc:
            print(f"s3-init: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:  # noqa: BLE001 - the endpoint is still starting: retry
            last = exc
            time.sleep(pause)
            continue
        print(f"s3-init: bucket {bucket!r} is versioned and writable")
        return 0
    print(f"s3-init: the S3 endpoint never answered: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
