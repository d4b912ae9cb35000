"""Qdrant: opening a client (local mode by default, a server by URL) and reading one file's points.

Local mode keeps its storage under ``{repo}/.momrel/qdrant`` and locks that folder to one
client at a time; ``MOMREL_QDRANT_URL`` (+ ``MOMREL_QDRANT_API_KEY``) reaches a real server
through the same client API.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from momrel.errors import MomrelError

QDRANT_URL_ENV = "MOMREL_QDRANT_URL"
QDRANT_API_KEY_ENV = "MOMREL_QDRANT_API_KEY"
QDRANT_PATH_ENV = "MOMREL_QDRANT_PATH"

# A server pages a filtered scroll through its payload index; local mode scans the whole
# collection for every page, so it is read differently (_iter_local, docs/performance.md).
SERVER_PAGE = 512
LOCAL_RETRIEVE_BATCH = 1000


# Qdrant's spellings of its distances, and its limit on dense vector dimensions.
DISTANCES = ("Cosine", "Euclid", "Dot", "Manhattan")
MAX_VECTOR_SIZE = 65536


@dataclass(frozen=True)
class VectorSpec:
    """One vector of a point: name ('' for the unnamed default vector), size, distance."""

    name: str
    size: int
    distance: str  # Qdrant's spelling: Cosine, Euclid, Dot, Manhattan


def specs_problem(specs) -> str | None:
    """What is wrong with a vector configuration read from outside (a package), or None.

    Qdrant's two shapes of a collection: one unnamed vector, or named ones, each once; momrel
    lists them sorted by name (vector_specs)."""
    if not specs:
        return "a collection needs at least one vector"
    for spec in specs:
        if not 1 <= spec.size <= MAX_VECTOR_SIZE:
            return f"vector size {spec.size} is out of range 1..{MAX_VECTOR_SIZE}"
        if spec.distance not in DISTANCES:
            return f"distance {spec.distance!r} is not one of {', '.join(DISTANCES)}"
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        return "a vector name is listed twice"
    if len(names) > 1 and "" in names:
        return "the unnamed vector cannot be mixed with named ones"
    if names != sorted(names):
        return "vectors are not sorted by name"
    return None


def local_path(root: Path) -> Path:
    return Path(os.environ.get(QDRANT_PATH_ENV) or root / ".momrel" / "qdrant")


# qdrant-client warns (UserWarning) whenever a local collection holds more than 20,000 points;
# printed in the middle of progress bars it reads like an error. Local mode's limits are
# measured and documented in docs/performance.md instead.
_LOCAL_SIZE_WARNING = r"Local mode is not recommended"


@contextlib.contextmanager
def open_client(root: Path):
    """A QdrantClient for the configured target; closed (and unlocked) on exit."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_LOCAL_SIZE_WARNING, category=UserWarning)
        with _open_client(root) as client:
            yield client


@contextlib.contextmanager
def _open_client(root: Path):
    from qdrant_client import QdrantClient

    url = os.environ.get(QDRANT_URL_ENV)
    if url:
        client = QdrantClient(url=url, api_key=os.environ.get(QDRANT_API_KEY_ENV), timeout=30)
    else:
        path = local_path(root)
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = QdrantClient(path=str(path))
        except RuntimeError as exc:
            # Raised when another process holds the local-mode lock.
            raise MomrelError(f"Qdrant local storage {path} is in use by another process: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def _is_local(client) -> bool:
    return type(getattr(client, "_client", None)).__name__ == "QdrantLocal"


def collection_exists(client, name: str) -> bool:
    return client.collection_exists(name)


def vector_specs(client, name: str) -> list[VectorSpec]:
    """The collection's dense vectors in a stable order (sorted by name)."""
    if not client.collection_exists(name):
        raise MomrelError(f"Qdrant collection '{name}' does not exist")
    params = client.get_collection(name).config.params
    if params.sparse_vectors:
        raise MomrelError(f"Qdrant collection '{name}' has sparse vectors, which momrel does not package")
    vectors = params.vectors
    if vectors is None:
        raise MomrelError(f"Qdrant collection '{name}' has no dense vectors")
    if isinstance(vectors, dict):
        items = sorted(vectors.items())
    else:
        items = [("", vectors)]
    specs = []
    for vname, p in items:
        if getattr(p, "multivector_config", None):
            raise MomrelError(f"Qdrant collection '{name}' uses multivectors, which momrel does not package")
        specs.append(VectorSpec(vname, int(p.size), _distance_name(p.distance)))
    return specs


def _distance_name(distance) -> str:
    return getattr(distance, "value", str(distance))


def file_filter(file_uuid_key: str, file_uuid: str):
    from qdrant_client import models

    return models.Filter(must=[models.FieldCondition(key=file_uuid_key,
                                                     match=models.MatchValue(value=file_uuid))])


def count_file_points(client, collection: str, file_uuid_key: str, file_uuid: str) -> int:
    return client.count(collection, count_filter=file_filter(file_uuid_key, file_uuid),
                        exact=True).count


def iter_file_points(client, collection: str, file_uuid_key: str, file_uuid: str,
                     limit: int | None = None) -> Iterator:
    """Every point of one file, ordered by id (Qdrant's scroll order), with payload and vectors."""
    if _is_local(client) and limit is None:
        yield from _iter_local(client, collection, file_uuid_key, file_uuid)
        return
    query_filter = file_filter(file_uuid_key, file_uuid)
    limit = limit or SERVER_PAGE
    offset = None
    while True:
        points, offset = client.scroll(collection, scroll_filter=query_filter, limit=limit,
                                       offset=offset, with_payload=True, with_vectors=True)
        yield from points
        if offset is None:
            return


def _iter_local(client, collection: str, file_uuid_key: str, file_uuid: str) -> Iterator:
    """Local mode evaluates a filter over the whole collection for every scroll page, which
    makes paging quadratic (100k of 100k points: 37 s). One filtered pass for the ids, then
    retrieval by id in batches, is linear; only the ids are held in memory."""
    ids, _ = client.scroll(collection, scroll_filter=file_filter(file_uuid_key, file_uuid),
                           limit=2**62, with_payload=False, with_vectors=False)
    ids = [point.id for point in ids]
    for start in range(0, len(ids), LOCAL_RETRIEVE_BATCH):
        wanted = ids[start:start + LOCAL_RETRIEVE_BATCH]
        found = {point.id: point for point in
                 client.retrieve(collection, wanted, with_payload=True, with_vectors=True)}
        for point_id in wanted:
            if point_id not in found:
                raise MomrelError(f"Qdrant collection '{collection}' changed while it was read "
                                  f"(point {point_id} disappeared); export again")
            yield found[point_id]


UPSERT_BATCH = 256


def upsert_batches(client, collection: str, points, after_batch=None) -> int:
    """Upsert `points` (qdrant-client PointStructs, any iterable) in batches of UPSERT_BATCH,
    waiting for each; `after_batch(n)` runs after each. Returns how many were written."""
    batch, count = [], 0
    for point in points:
        batch.append(point)
        if len(batch) == UPSERT_BATCH:
            client.upsert(collection, points=batch, wait=True)
            count += len(batch)
            batch = []
            if after_batch is not None:
                after_batch(UPSERT_BATCH)
    if batch:
        client.upsert(collection, points=batch, wait=True)
        count += len(batch)
        if after_batch is not None:
            after_batch(len(batch))
    return count


def create_collection(client, name: str, specs: list[VectorSpec]) -> None:
    from qdrant_client import models

    def params(spec: VectorSpec):
        return models.VectorParams(size=spec.size, distance=models.Distance(spec.distance))

    if len(specs) == 1 and specs[0].name == "":
        config = params(specs[0])
    else:
        config = {spec.name: params(spec) for spec in specs}
    client.create_collection(name, vectors_config=config)
