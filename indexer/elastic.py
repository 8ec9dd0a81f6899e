"""The Elasticsearch search backend: an alias over timestamped indices, blue/green rebuilds.

The only module that imports ``elasticsearch``. Request bodies come from ``es_query`` and
responses become dataclasses in ``es_response``; this module only talks to the server.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
from elastic_transport import ApiError, TransportError, Urllib3HttpNode
from elastic_transport.client_utils import DEFAULT

from indexer import es_mapping, es_query, es_response
from indexer.backend import SearchHit, SearchPage, SearchQuery
from indexer.records import Opportunity

if TYPE_CHECKING:
    from elastic_transport import HttpHeaders
    from elastic_transport._node import NodeApiResponse
    from elastic_transport.client_utils import DefaultType

    from config.settings import Settings

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Bulk items failing with these statuses are worth one more try (throttled, overloaded).
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ElasticUnavailableError(RuntimeError):
    """The Elasticsearch server cannot be reached (the message names its URL)."""


class ElasticIndexingError(RuntimeError):
    """Some documents were still rejected after a retry; ``ids`` lists them."""

    def __init__(self, message: str, ids: Sequence[str]) -> None:
        super().__init__(message)
        self.ids = tuple(ids)


class PlainJsonNode(Urllib3HttpNode):
    """A node that sends and accepts plain ``application/json``.

    The official client sends ``application/vnd.elasticsearch+json; compatible-with=N``,
    which OpenSearch-compatible servers (osmem-server, OpenSearch) refuse with HTTP 406.
    """

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        """Rewrite the media-type headers, then send the request."""
        if headers is not None:
            headers = headers.copy()
            content_type = headers.get("content-type") or ""
            headers["accept"] = "application/json"
            if content_type:
                plain = "x-ndjson" if "ndjson" in content_type else "json"
                headers["content-type"] = f"application/{plain}"
        return super().perform_request(
            method, target, body=body, headers=headers, request_timeout=request_timeout
        )


def make_client(url: str, *, plain_json: bool, timeout: float) -> elasticsearch.Elasticsearch:
    """Build the one Elasticsearch client of the application.

    :param plain_json: send plain ``application/json`` (for OpenSearch-compatible servers).
    :param timeout: per-request timeout in seconds.
    """
    options: dict[str, Any] = {"request_timeout": timeout, "max_retries": 1}
    if plain_json:
        options["node_class"] = PlainJsonNode
    return elasticsearch.Elasticsearch(url, **options)


def redact_url(url: str) -> str:
    """Return the URL without user:password, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _client_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """Map request-body keys onto the client's keyword names (``from`` is a keyword)."""
    renamed = {"from": "from_", "_source": "source"}
    return {renamed.get(key, key): value for key, value in body.items()}


def _batches(items: Iterable[Opportunity], size: int) -> Iterator[list[Opportunity]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class ElasticBackend:
    """SearchBackend on Elasticsearch 8.x/9.x (or an OpenSearch-compatible server)."""

    def __init__(
        self,
        url: str,
        *,
        index: str = "grantradar",
        plain_json: bool = False,
        timeout: float = 10.0,
        batch_size: int = BATCH_SIZE,
        refresh_writes: bool = True,
    ) -> None:
        """Connect lazily to ``url``; ``index`` is the alias searches go through.

        :param refresh_writes: make upserts and deletes visible to the next search at once.
        """
        self.url = url
        self.alias = index
        self.batch_size = batch_size
        self.refresh_writes = refresh_writes
        self.client = make_client(url, plain_json=plain_json, timeout=timeout)
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
        """Build the backend from the GRANTRADAR_ELASTICSEARCH_* settings."""
        return cls(
            settings.elasticsearch_url,
            index=settings.elasticsearch_index,
            plain_json=settings.elasticsearch_plain_json,
            timeout=settings.elasticsearch_timeout,
        )

    def _unavailable(self, exc: Exception) -> ElasticUnavailableError:
        where = redact_url(self.url)
        return ElasticUnavailableError(f"Elasticsearch at {where} is unreachable: {exc}")

    def new_index_name(self) -> str:
        """Return a fresh timestamped index name under the alias."""
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return f"{self.alias}-{stamp}-{uuid.uuid4().hex[:8]}"

    def _create_index(self, name: str, **settings: Any) -> None:
        body = es_mapping.index_body()
        body["settings"].update(settings)
        self.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
        logger.info("Created search index %s", name, extra={"index_name": name})

    def aliased_indices(self) -> list[str]:
        """Return the indices the alias currently points at."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except elasticsearch.NotFoundError:
            return []

    def ensure_ready(self) -> None:
        """Create the first timestamped index and the alias unless the alias exists.

        :raises ElasticUnavailableError: when the server cannot be reached.
        """
        try:
            self.client.info()
            if not self.aliased_indices():
                name = self.new_index_name()
                self._create_index(name)
                self.client.indices.update_aliases(
                    actions=[{"add": {"index": name, "alias": self.alias}}]
                )
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        self._ready = True

    def _ready_once(self) -> None:
        # Writing to a missing alias would auto-create a plain index with dynamic mappings.
        if not self._ready:
            self.ensure_ready()

    def _bulk(self, index: str, docs: Sequence[Opportunity], refresh: bool) -> list[str]:
        """Index one batch, retry retryable failures once; return the ids that failed."""
        pending = {d.id: es_mapping.to_document(d) for d in docs}
        failed: dict[str, str] = {}
        for attempt in (1, 2):
            operations: list[dict[str, Any]] = []
            for doc_id, doc in pending.items():
                operations += [{"index": {"_index": index, "_id": doc_id}}, doc]
            response = self.client.bulk(operations=operations, refresh=refresh)
            failed, retry = {}, {}
            for item in response["items"]:
                result = item["index"]
                if result.get("error"):
                    failed[result["_id"]] = str(result["error"])
                    if result.get("status") in _RETRY_STATUSES:
                        retry[result["_id"]] = pending[result["_id"]]
            if not retry or attempt == 2:
                break
            logger.warning("Retrying %d rejected documents: %s", len(retry), sorted(retry))
            pending = retry
        for doc_id, reason in sorted(failed.items()):
            logger.error("Document %s was not indexed: %s", doc_id, reason)
        return sorted(failed)

    def upsert(self, opportunities: Iterable[Opportunity]) -> None:
        """Add or replace records in the aliased index.

        :raises ElasticIndexingError: when documents are still rejected after a retry.
        """
        self._ready_once()
        failed: list[str] = []
        try:
            for batch in _batches(opportunities, self.batch_size):
                failed += self._bulk(self.alias, batch, self.refresh_writes)
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        if failed:
            raise ElasticIndexingError(f"{len(failed)} documents were not indexed", failed)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove records by id; unknown ids are ignored."""
        operations = [{"delete": {"_index": self.alias, "_id": i}} for i in ids]
        if not operations:
            return
        self._ready_once()
        try:
            self.client.bulk(operations=operations, refresh=self.refresh_writes)
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search; user text never causes a request error."""
        self._ready_once()
        now = query.now or datetime.now(UTC)
        body = es_query.build_search(query, now)
        try:
            response = self.client.search(index=self.alias, **_client_kwargs(body))
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        return es_response.to_page(response.body, query, now)

    def similar(self, opportunity_id: str, limit: int = 5) -> Sequence[SearchHit]:
        """Return live calls that resemble the given one (more_like_this), never itself."""
        body = es_query.build_similar(self.alias, opportunity_id, limit)
        now = datetime.now(UTC)
        try:
            response = self.client.search(index=self.alias, **_client_kwargs(body))
        except ApiError as exc:
            if exc.meta.status == 404:
                return []
            raise
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        return [es_response.to_hit(raw, now) for raw in response.body["hits"]["hits"]]

    def rebuild(self, batches: Iterable[Sequence[Opportunity]]) -> int:
        """Build a new index from the batches, swap the alias to it, drop the old indices.

        Searches keep hitting the old index through the alias while the new one fills, and
        the swap is one update_aliases call (remove + add are applied atomically), so search
        never goes dark or sees a half-built index. If filling fails, the new index is
        deleted and the alias still points at the old, complete one.
        """
        name = self.new_index_name()
        try:
            old = self.aliased_indices()
            # No refreshes while bulk-loading: one refresh at the end is much cheaper.
            self._create_index(name, refresh_interval="-1")
            count = self._fill(name, batches)
            self.client.indices.put_settings(index=name, settings={"refresh_interval": None})
            self.client.indices.refresh(index=name)
            actions: list[dict[str, Any]] = [
                {"remove": {"index": i, "alias": self.alias}} for i in old
            ]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
        except Exception:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        for stale in old:
            self.client.indices.delete(index=stale, ignore_unavailable=True)
        logger.info("Rebuilt search index %s with %d records", name, count)
        return count

    def _fill(self, index: str, batches: Iterable[Sequence[Opportunity]]) -> int:
        count = 0
        for batch in batches:
            for chunk in _batches(batch, self.batch_size):
                failed = self._bulk(index, chunk, refresh=False)
                count += len(chunk) - len(failed)
        return count
