"""Sessions in the cases table (DynamoDB): pk `SESSION#<sha-256 of the cookie>`, sk `SESSION`,
kind `session`, the Session as JSON in `doc`, and `expires_at` (epoch seconds) for the table's
TTL to delete it. A read past `expires_at` is refused by the session itself (TTL runs late)."""

from __future__ import annotations

from typing import Any

import boto3

from console.sessions import Session

KIND = "session"


def session_pk(session_hash: str) -> str:
    return f"SESSION#{session_hash}"


class DynamoSessions:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def _key(self, session_hash: str) -> dict[str, Any]:
        return {"pk": {"S": session_pk(session_hash)}, "sk": {"S": "SESSION"}}

    def put_session(self, session: Session) -> None:
        self.client.put_item(
            TableName=self.table_name,
            Item={
                **self._key(session.session_hash),
                "kind": {"S": KIND},
                "doc": {"S": session.model_dump_json()},
                "expires_at": {"N": str(int(session.expires_at.timestamp()))},
            },
        )

    def get_session(self, session_hash: str) -> Session | None:
        item = self.client.get_item(
            TableName=self.table_name, Key=self._key(session_hash), ConsistentRead=True
        ).get("Item")
        if item is None or "doc" not in item:
            return None
        return Session.model_validate_json(item["doc"]["S"])

    def delete_session(self, session_hash: str) -> None:
        self.client.delete_item(TableName=self.table_name, Key=self._key(session_hash))
