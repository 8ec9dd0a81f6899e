"""Elasticsearch-only behaviour: index life cycle, failures, and the plain-JSON transport."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from indexer.backend import SearchQuery
from indexer.elastic import ElasticBackend, ElasticIndexingError, ElasticUnavailableError
from tests.factories import ERASMUS_CBHE_WATER, NIH_R01_CANCER, NOW
from tests.indexer.conftest import free_port

pytestmark = pytest.mark.es


def test_ensure_ready_unreachable_server_names_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    backend = ElasticBackend(url, timeout=2.0)
    with pytest.raises(ElasticUnavailableError, match=url):
        backend.ensure_ready()


def test_ensure_ready_error_hides_credentials():
    port = free_port()
    backend = ElasticBackend(f"http://elastic:s3cret@127.0.0.1:{port}", timeout=2.0)
    with pytest.raises(ElasticUnavailableError) as caught:
        backend.ensure_ready()
    assert f"http://127.0.0.1:{port}" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_ensure_ready_creates_alias_over_timestamped_index_once(elasticsearch_backend):
    (first,) = elasticsearch_backend.aliased_indices()
    elasticsearch_backend.ensure_ready()
    assert elasticsearch_backend.aliased_indices() == [first]
    assert first.startswith(f"{elasticsearch_backend.alias}-")


def test_upsert_without_ensure_ready_creates_the_aliased_index(elasticsearch_server):
    url, plain_json = elasticsearch_server
    backend = ElasticBackend(url, index="test-lazy-alias", plain_json=plain_json)
    try:
        backend.upsert([NIH_R01_CANCER])
        (name,) = backend.aliased_indices()
        assert name.startswith("test-lazy-alias-")
        assert [h.id for h in backend.search(SearchQuery(now=NOW)).hits] == [NIH_R01_CANCER.id]
    finally:
        for name in backend.aliased_indices():
            backend.client.indices.delete(index=name)


def test_rebuild_swaps_alias_and_deletes_old_index(elasticsearch_backend):
    backend = elasticsearch_backend
    (old,) = backend.aliased_indices()
    backend.upsert([NIH_R01_CANCER])
    assert backend.rebuild([[ERASMUS_CBHE_WATER]]) == 1
    (new,) = backend.aliased_indices()
    assert new != old
    assert not backend.client.indices.exists(index=old)
    assert [h.id for h in backend.search(SearchQuery(now=NOW)).hits] == [ERASMUS_CBHE_WATER.id]


def test_rebuild_failure_keeps_the_old_index_searchable(elasticsearch_backend):
    backend = elasticsearch_backend
    backend.upsert([NIH_R01_CANCER])
    (old,) = backend.aliased_indices()

    def batches():
        yield [ERASMUS_CBHE_WATER]
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError, match="store went away"):
        backend.rebuild(batches())
    assert backend.aliased_indices() == [old]
    assert [h.id for h in backend.search(SearchQuery(now=NOW)).hits] == [NIH_R01_CANCER.id]
    indices = backend.client.indices.get(index=f"{backend.alias}-*")
    assert list(indices) == [old]


def test_upsert_reports_rejected_documents_by_id(elasticsearch_backend):
    backend = elasticsearch_backend
    # An index whose mapping disagrees with our documents: "funder" must be a number.
    bad = f"{backend.alias}-conflict"
    backend.client.indices.create(index=bad, mappings={"properties": {"funder": {"type": "long"}}})
    (old,) = backend.aliased_indices()
    backend.client.indices.update_aliases(
        actions=[
            {"remove": {"index": old, "alias": backend.alias}},
            {"add": {"index": bad, "alias": backend.alias}},
        ]
    )
    backend.client.indices.delete(index=old)
    no_funder = ERASMUS_CBHE_WATER.__class__(**{**_fields(ERASMUS_CBHE_WATER), "funder": None})
    with pytest.raises(ElasticIndexingError) as caught:
        backend.upsert([NIH_R01_CANCER, no_funder])
    assert caught.value.ids == (NIH_R01_CANCER.id,)
    assert backend.client.exists(index=bad, id=no_funder.id)


def _fields(opp):
    return {name: getattr(opp, name) for name in opp.__dataclass_fields__}


class _Recorder(BaseHTTPRequestHandler):
    """Answer like a tiny cluster; record headers; reject one bulk item with 429 once."""

    requests: ClassVar[list[tuple[str, dict[str, str], list[str]]]] = []
    bulk_calls = 0

    def log_message(self, *args):
        pass

    def _reply(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        ids = [json.loads(line)["index"]["_id"] for line in body.splitlines()[::2]]
        type(self).requests.append((self.path, dict(self.headers.items()), ids))
        type(self).bulk_calls += 1
        first = type(self).bulk_calls == 1
        items = [
            {
                "index": {
                    "_id": i,
                    "status": 429,
                    "error": {"type": "es_rejected_execution_exception"},
                }
            }
            if first and n == 0
            else {"index": {"_id": i, "status": 201, "result": "created"}}
            for n, i in enumerate(ids)
        ]
        self._reply({"errors": first, "items": items})

    do_PUT = do_POST

    def do_GET(self):
        if self.path.startswith("/_alias/"):
            self._reply({"grantradar-1": {"aliases": {"grantradar": {}}}})
        else:
            self._reply({"version": {"number": "9.0.0"}, "tagline": "You Know, for Search"})


@pytest.fixture
def recorder():
    _Recorder.requests, _Recorder.bulk_calls = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_upsert_retries_throttled_items_once_with_plain_json(recorder):
    backend = ElasticBackend(recorder, plain_json=True)
    backend.upsert([NIH_R01_CANCER, ERASMUS_CBHE_WATER])
    assert _Recorder.bulk_calls == 2
    path, raw_headers, retried_ids = _Recorder.requests[1]
    assert path.startswith("/_bulk")
    assert retried_ids == [NIH_R01_CANCER.id]
    headers = {k.lower(): v for k, v in raw_headers.items()}
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/x-ndjson"
