"""An in-memory ConsentStatementStore: the statements' objects by key, and a switch that makes S3 fail."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_service.errors import StorageError


@dataclass
class InMemoryConsentStatements:
    objects: dict[str, bytes] = field(default_factory=dict)
    # Operations ("put", "delete", "url") that fail as S3 would (a StorageError).
    failing: set[str] = field(default_factory=set)
    issued: int = 0
    url_ttl_seconds: int = 300

    def new_statement_key(self) -> str:
        self.issued += 1
        return f"consent/{self.issued:032x}.wav"

    def put_statement(self, key: str, wav: bytes) -> None:
        self._maybe_fail("put")
        self.objects[key] = wav

    def delete_statement(self, key: str) -> None:
        self._maybe_fail("delete")
        self.objects.pop(key, None)

    def statement_url(self, key: str) -> str:
        self._maybe_fail("url")
        return f"https://bucket.example/{key}?X-Amz-Expires={self.url_ttl_seconds}"

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.failing:
            raise StorageError(f"The storage could not {operation} the consent statement; try again later.")
