"""The second media backend: S3-compatible object storage (AWS S3, R2, B2, MinIO, Ceph, Swift) through boto3.

``S3MediaStore`` is a ``MediaStore`` whose local folder is only the staging area: uploads are received,
probed, tagged and hashed there exactly as with the local backend, then ``content.transfers`` sends each
file to the bucket (multipart, ``TransferConfig``) and verifies it (size, and the SHA-256 kept in the
object's metadata, read back with HEAD) before its row says ``stored_in = "s3"`` and the local copy goes.
Objects are uploaded private (no ACL); listeners reach them through ``public_url`` (a CDN in front of the
bucket) or short-lived presigned URLs.

Object keys are the store's relative paths, so an object and the file it came from have one name.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from .storage import MediaStore, StorageError

#: Object metadata key holding the file's SHA-256 (S3 ETags are MD5s, and not even that for multipart).
SHA256_METADATA = "sha256"
#: S3's smallest multipart part (except the last); files at least this large go in parts.
MIN_PART_BYTES = 5 * 1024 * 1024
#: The largest object one CopyObject request may write (S3's limit).
MAX_COPY_BYTES = 5 * 1024**3

BACKEND_LOCAL = "local"
BACKEND_S3 = "s3"


@dataclass(frozen=True)
class RemoteObject:
    """What HEAD says about an object."""

    size: int
    sha256: str | None


@dataclass(frozen=True)
class S3Settings:
    """The bucket and how to reach it (``PODCASTER_S3_*``)."""

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    public_base_url: str | None = None
    part_bytes: int = 8 * 1024 * 1024

    @classmethod
    def from_config(cls, config: Mapping) -> S3Settings | None:
        """The settings in an app config, or None when no bucket is set."""
        bucket = config.get("S3_BUCKET")
        if not bucket:
            return None
        return cls(bucket=bucket, endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                   region=config.get("S3_REGION") or None,
                   access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
                   secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
                   public_base_url=config.get("S3_PUBLIC_BASE_URL") or None,
                   part_bytes=max(MIN_PART_BYTES, int(config.get("S3_PART_BYTES") or cls.part_bytes)))


@functools.lru_cache(maxsize=8)
def _client(settings: S3Settings):
    """One boto3 client per settings (clients are thread-safe and costly to build)."""
    # boto3 takes a second or more to import: only sites (and commands) that use a bucket pay for it.
    import boto3
    from botocore.config import Config as BotoConfig

    config = BotoConfig(
        signature_version="s3v4",
        # Path-style addressing for an explicit endpoint (MinIO, Swift, Ceph need it; R2 and B2 accept it).
        s3={"addressing_style": "path" if settings.endpoint_url else "auto"},
        # boto3's default CRC trailers become aws-chunked bodies over https, which several S3-compatible
        # servers refuse (Swift's s3api answers 501); our own SHA-256 check makes them redundant.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10, read_timeout=60,
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=settings.endpoint_url, region_name=settings.region,
        aws_access_key_id=settings.access_key_id, aws_secret_access_key=settings.secret_access_key,
        config=config)


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}


class S3MediaStore(MediaStore):
    """Media in an S3 bucket, staged in the local folder ``root`` on their way in.

    Args:
        root: the local staging folder (``MEDIA_ROOT``): incoming uploads, files not yet transferred.
        settings: the bucket and its credentials.
    """

    def __init__(self, root: str | os.PathLike, settings: S3Settings) -> None:
        super().__init__(root)
        self.settings = settings
        self.bucket = settings.bucket
        self.client = _client(settings)
        #: Set by the web and command layers when a job queue runs transfers (``transfers.TransferQueue``);
        #: None sends new files at once, after the commit (a memory queue, the worker itself).
        self.transfer_queue = None

    # -- the object side -------------------------------------------------------------------------
    def head(self, relative: str) -> RemoteObject | None:
        """The object's size and recorded SHA-256, or None when there is no object.

        Raises:
            StorageError: the server could not be asked (down, refused the credentials).
        """
        self.path_of(relative)  # the same names as the local store: never outside it
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=relative)
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise StorageError(f"S3 HEAD {relative}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 HEAD {relative}: {exc}") from exc
        return RemoteObject(size=answer["ContentLength"], sha256=answer.get("Metadata", {}).get(SHA256_METADATA))

    def upload(self, local: Path, relative: str, *, sha256: str, size: int, content_type: str) -> None:
        """Send a local file to the bucket (multipart when large) and verify it with HEAD.

        Args:
            local: the file to send.
            relative: its key.
            sha256: its SHA-256 (kept in the object's metadata and compared afterwards).
            size: its size in bytes.
            content_type: the Content-Type listeners will get from the bucket or CDN.

        Raises:
            StorageError: the upload failed or the object differs from the file; no object is left.
        """
        from boto3.exceptions import Boto3Error
        from boto3.s3.transfer import TransferConfig

        self.abort_unfinished_uploads(relative)
        part = self.settings.part_bytes
        config = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=4)
        try:
            # No ACL: objects stay private; the public reaches them through the CDN or presigned URLs.
            self.client.upload_file(str(local), self.bucket, relative, Config=config,
                                    ExtraArgs={"Metadata": {SHA256_METADATA: sha256}, "ContentType": content_type})
            found = self.head(relative)
        except (Boto3Error, ClientError, BotoCoreError, OSError, StorageError) as exc:
            self.delete_object(relative, quiet=True)
            raise StorageError(f"could not send {relative} to the bucket: {exc}") from exc
        if found is None or found.size != size or found.sha256 != sha256:
            self.delete_object(relative, quiet=True)
            raise StorageError(f"the object {relative} in the bucket differs from the file (size or SHA-256)")

    def unfinished_uploads(self, relative: str) -> list[str]:
        """The ids of multipart uploads of this key begun and never completed nor aborted.

        A process killed during ``upload`` (SIGKILL, power loss) leaves one: no object, but parts the
        bucket keeps (and bills) until they are aborted.
        """
        answer = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=relative)
        return [upload["UploadId"] for upload in answer.get("Uploads", []) if upload["Key"] == relative]

    def abort_unfinished_uploads(self, relative: str) -> None:
        """Abort what an interrupted earlier ``upload`` of this key left (best effort: never blocks a send)."""
        try:
            for upload_id in self.unfinished_uploads(relative):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=relative, UploadId=upload_id)
        except (ClientError, BotoCoreError):
            pass  # a server without ListMultipartUploads: its bucket's lifecycle rule cleans up instead

    def replace_object(self, local: Path, relative: str, *, sha256: str, size: int, content_type: str) -> None:
        """Replace an existing object with a local file, the old object served until the new one is verified.

        ``upload`` removes the object when anything goes wrong, which must not happen to an object listeners
        are fetching: the file goes to a temporary key first, is verified there, and is then copied over
        the object by the server (S3 replaces an object whole: a reader gets the old or the new bytes),
        verified again, and the temporary key removed.

        Raises:
            StorageError: the upload, the copy or a check failed; the object is as it was, or verified new.
        """
        if size > MAX_COPY_BYTES:
            raise StorageError(f"{relative}: larger than one server-side copy can replace (5 GiB)")
        temporary = f"{relative}.replacing-{sha256[:16]}"
        self.upload(local, temporary, sha256=sha256, size=size, content_type=content_type)
        try:
            # One CopyObject, not boto3's managed copy: its multipart path checks each part against the
            # source's ETag, which servers compute differently for multipart objects (Swift's fails it).
            self.client.copy_object(Bucket=self.bucket, Key=relative, CopySource={"Bucket": self.bucket,
                                    "Key": temporary}, Metadata={SHA256_METADATA: sha256},
                                    ContentType=content_type, MetadataDirective="REPLACE")
            found = self.head(relative)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not replace {relative} in the bucket: {exc}") from exc
        finally:
            self.delete_object(temporary, quiet=True)
        if found is None or found.size != size or found.sha256 != sha256:
            raise StorageError(f"the object {relative} in the bucket differs from the file (size or SHA-256)")

    def download(self, relative: str, target: Path) -> None:
        """Copy an object to a local path (written by boto3 under a temporary name, then renamed).

        Raises:
            StorageError: no such object, or the server could not be reached.
        """
        from boto3.exceptions import Boto3Error

        try:
            self.client.download_file(self.bucket, relative, str(target))
        except (Boto3Error, ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not fetch {relative} from the bucket: {exc}") from exc

    def delete_object(self, relative: str, *, quiet: bool = False) -> None:
        """Remove the object (S3 deletes are idempotent: a missing object is not an error)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=relative)
        except (ClientError, BotoCoreError) as exc:
            if not quiet:
                raise StorageError(f"could not delete {relative} from the bucket: {exc}") from exc

    def public_url(self, relative: str) -> str | None:
        """The CDN URL of an object (``S3_PUBLIC_BASE_URL``), or None when no CDN is set."""
        if not self.settings.public_base_url:
            return None
        return self.settings.public_base_url.rstrip("/") + "/" + quote(relative)

    def presigned_url(self, relative: str, expires_in: int, content_type: str | None = None) -> str:
        """A URL that reads the private object for ``expires_in`` seconds (signed here, no request made)."""
        params = {"Bucket": self.bucket, "Key": relative}
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist yet (private, like its objects)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if not _not_found(exc) and exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise StorageError(f"bucket {self.bucket}: {exc}") from exc
            self.client.create_bucket(Bucket=self.bucket)

    # -- MediaStore, reading through to the bucket ----------------------------------------------
    def exists(self, relative: str) -> bool:
        return super().exists(relative) or self.head(relative) is not None

    def name_taken(self, relative: str) -> bool:
        if super().name_taken(relative):
            return True
        try:
            return self.head(relative) is not None
        except StorageError:
            # The bucket is out of reach: an upload still goes ahead and is sent later. The name cannot
            # take a file's place unseen: every object has a row, and ``media_file.path`` is unique.
            return False

    def delete_uncommitted(self, relative: str) -> None:
        """New files are sent only after their commit, so one given up never reached the bucket."""
        self.delete_local(relative)

    def delete_local(self, relative: str) -> None:
        """Remove only the local copy (once the object is verified and its row says so)."""
        super().delete(relative)

    def delete(self, relative: str) -> None:
        """Remove the local copy and the object; either already gone is not an error."""
        super().delete(relative)
        self.delete_object(relative)

    def open(self, relative: str) -> BinaryIO:
        """The local copy when this machine has one, else the object's body (a stream)."""
        if super().exists(relative):
            return super().open(relative)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=relative)["Body"]
        except ClientError as exc:
            if _not_found(exc):
                raise FileNotFoundError(relative) from exc
            raise StorageError(f"could not read {relative} from the bucket: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {relative} from the bucket: {exc}") from exc

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        if super().exists(relative):
            yield self.path_of(relative)
            return
        temp = self.incoming_path()
        try:
            self.download(relative, temp)
            yield temp
        finally:
            temp.unlink(missing_ok=True)


def store_from_config(config: Mapping) -> MediaStore:
    """The store new files go to: ``MEDIA_BACKEND`` ``local`` (default) or ``s3``.

    Raises:
        StorageError: ``s3`` without ``S3_BUCKET``, or an unknown backend.
    """
    backend = (config.get("MEDIA_BACKEND") or BACKEND_LOCAL).strip().lower()
    if backend == BACKEND_LOCAL:
        return MediaStore(config["MEDIA_ROOT"])
    if backend == BACKEND_S3:
        remote = remote_store_from_config(config)
        if remote is None:
            raise StorageError("PODCASTER_MEDIA_BACKEND=s3 needs PODCASTER_S3_BUCKET")
        return remote
    raise StorageError(f"unknown PODCASTER_MEDIA_BACKEND {backend!r} (local or s3)")


def remote_store_from_config(config: Mapping) -> S3MediaStore | None:
    """The S3 store whenever a bucket is configured, whatever the backend (files already there are read
    from it, and ``media migrate`` moves files both ways); None without a bucket."""
    settings = S3Settings.from_config(config)
    return S3MediaStore(config["MEDIA_ROOT"], settings) if settings is not None else None
