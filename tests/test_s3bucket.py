"""prospects.s3bucket: the compose stack's artifact bucket is versioned and proven writable.

No S3 server runs here (no container engine): a small in-memory stand-in with
the S3 calls' shapes checks the decisions; the stack runs the real thing.
"""

from __future__ import annotations

import io

import pytest

from prospects.s3bucket import BucketError, ensure_versioned_bucket, probe_write_read


class FakeS3:
    """Buckets, versioning status and objects, as boto3's client answers them."""

    def __init__(self, versioning_sticks: bool = True, corrupt: bool = False):
        self.buckets: dict[str, dict[str, bytes]] = {}
        self.versioning: dict[str, str] = {}
        self.versioning_sticks = versioning_sticks
        self.corrupt = corrupt
        self.created: list[str] = []

    def list_buckets(self):
        return {"Buckets": [{"Name": name} for name in self.buckets]}

    def create_bucket(self, Bucket):  # noqa: N803 - boto3's argument names
        self.buckets[Bucket] = {}
        self.created.append(Bucket)

    def put_bucket_versioning(self, Bucket, VersioningConfiguration):  # noqa: N803
        if self.versioning_sticks:
            self.versioning[Bucket] = VersioningConfiguration["Status"]

    def get_bucket_versioning(self, Bucket):  # noqa: N803
        status = self.versioning.get(Bucket)
        return {"Status": status} if status else {}

    def put_object(self, Bucket, Key, Body):  # noqa: N803
        self.buckets[Bucket][Key] = Body[:-1] if self.corrupt else Body
        return {"VersionId": "v1"}

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.buckets[Bucket][Key])}

    def delete_object(self, Bucket, Key, VersionId=None):  # noqa: N803
        del self.buckets[Bucket][Key]


def test_a_missing_bucket_is_created_with_versioning_on():
    s3 = FakeS3()
    ensure_versioned_bucket(s3, "mlflow")
    assert s3.created == ["mlflow"] and s3.versioning == {"mlflow": "Enabled"}


def test_an_existing_bucket_is_kept_and_versioned():
    s3 = FakeS3()
    s3.buckets["mlflow"] = {"artifacts/model.ubj": b"x"}
    ensure_versioned_bucket(s3, "mlflow")
    assert s3.created == [] and s3.buckets["mlflow"] == {"artifacts/model.ubj": b"x"}


def test_a_store_that_does_not_keep_versioning_is_refused():
    with pytest.raises(BucketError, match="versioning"):
        ensure_versioned_bucket(FakeS3(versioning_sticks=False), "mlflow")


def test_the_probe_object_is_read_back_and_removed():
    s3 = FakeS3()
    ensure_versioned_bucket(s3, "mlflow")
    probe_write_read(s3, "mlflow")
    assert s3.buckets["mlflow"] == {}


def test_a_store_that_returns_other_bytes_is_refused():
    s3 = FakeS3(corrupt=True)
    ensure_versioned_bucket(s3, "mlflow")
    with pytest.raises(BucketError, match="read back"):
        probe_write_read(s3, "mlflow")
