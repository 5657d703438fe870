"""Templates an administrator published: the letters bucket's `templates/` prefix, over the
packaged ones.

`contactguard templates publish FILE` checks a Word template and puts it at
`templates/<name>` (`templates/restrictions.docx`, `templates/blocks/help.docx`) in the
versioned letters bucket; `templates withdraw NAME` deletes it, so the packaged one applies
again (every published version stays in the bucket's history). The letters function reads
the prefix once per letter (one LIST), so a letter is always filled from one consistent set,
and fetches a file again only when its ETag changed. A name never published is the packaged
file. No deploy is needed to change wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from contactguard.adapters.aws import AwsAdapter
from letters.docx_render import PACKAGED, TemplateFault, TemplateFile, TemplateFiles

PREFIX = "templates/"
MAX_BYTES = 10 * 1024 * 1024  # a Word letter is tens of kilobytes; refuse anything huge


class TemplateSource(Protocol):
    def snapshot(self) -> TemplateFiles:
        """The files one letter is filled from, consistent for that letter."""


@dataclass(frozen=True)
class PackagedSource:
    """Only the packaged templates (tests, the preview, a deployment that publishes none)."""

    files: TemplateFiles = PACKAGED

    def snapshot(self) -> TemplateFiles:
        return self.files


@dataclass(frozen=True)
class _Snapshot:
    store: S3PublishedTemplates
    published: dict[str, str]  # name -> ETag, as listed
    fallback: TemplateFiles

    def get(self, name: str) -> TemplateFile | None:
        etag = self.published.get(name)
        if etag is None:
            return self.fallback.get(name)
        return self.store.fetch(name, etag)


class S3PublishedTemplates(AwsAdapter):
    service = "s3"

    def __init__(
        self, bucket: str, client: Any | None = None, fallback: TemplateFiles = PACKAGED
    ) -> None:
        super().__init__(client)
        self.bucket = bucket
        self.fallback = fallback
        self._cache: dict[str, tuple[str, TemplateFile]] = {}  # name -> (ETag, file)

    def snapshot(self) -> TemplateFiles:
        published: dict[str, str] = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=PREFIX
        )
        for page in pages:
            self.requests += 1
            for item in page.get("Contents", []):
                name = item["Key"].removeprefix(PREFIX)
                if name.endswith(".docx"):
                    published[name] = item["ETag"]
        return _Snapshot(self, published, self.fallback)

    def fetch(self, name: str, etag: str) -> TemplateFile:
        cached = self._cache.get(name)
        if cached is not None and cached[0] == etag:
            return cached[1]
        self.requests += 1
        got = self.client.get_object(Bucket=self.bucket, Key=PREFIX + name)
        if got["ContentLength"] > MAX_BYTES:
            raise TemplateFault(["template-too-large"])
        version = got.get("VersionId") or got["ETag"].strip('"')
        found = TemplateFile(name=name, body=got["Body"].read(), version=f"published-{version}")
        self._cache[name] = (got["ETag"], found)
        return found
