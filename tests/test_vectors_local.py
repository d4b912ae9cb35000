"""Qdrant local mode through momrel.vectors: what the client prints while progress bars run."""

from __future__ import annotations

import warnings

from qdrant_client import models
from qdrant_client.local.local_collection import LocalCollection
from qdrant_client.local.qdrant_local import QdrantLocal

from momrel import vectors


def test_large_local_collection_warning_stays_out_of_the_output(tmp_path, monkeypatch):
    """qdrant-client warns above 20,000 points on open and on upsert; momrel's bars and
    one-line errors must not be interleaved with it. The threshold is lowered (a class
    setting of qdrant-client) so that a few points cross it."""
    monkeypatch.setattr(QdrantLocal, "LARGE_DATA_THRESHOLD", 3)
    monkeypatch.setattr(LocalCollection, "LARGE_DATA_THRESHOLD", 3)
    points = [models.PointStruct(id=i, vector=[1.0, float(i)], payload={"file_uuid": "f"})
              for i in range(5)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with vectors.open_client(tmp_path) as client:
            vectors.create_collection(client, "c", [vectors.VectorSpec("", 2, "Cosine")])
            client.upsert("c", points=points, wait=True)
        with vectors.open_client(tmp_path) as client:  # the warning on open, too
            assert client.count("c", exact=True).count == 5
    assert [str(w.message) for w in caught if "Local mode" in str(w.message)] == []
    # Without momrel's filter the client does warn (so the test above tests something).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from qdrant_client import QdrantClient
        client = QdrantClient(path=str(tmp_path / ".momrel" / "qdrant"))
        client.close()
    assert any("Local mode is not recommended" in str(w.message) for w in caught)
