"""What every small AWS adapter shares: an injectable client, built lazily, and a call count.

Nothing touches AWS at import time; tests pass moto-backed clients; benchmarks read
`requests` to count the calls an operation makes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import boto3


class AwsAdapter:
    service: ClassVar[str]  # the boto3 service name, e.g. "s3"
    config: ClassVar[Any] = None  # a botocore Config for the client it builds, if any

    def __init__(self, client: Any | None = None) -> None:
        self._client = client
        self.requests = 0

    @property
    def client(self) -> Any:
        if self._client is None:
            make: Any = boto3.client  # typed per service name; ours is a class attribute
            self._client = make(self.service, config=self.config)
        return self._client
