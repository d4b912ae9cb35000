"""The portable point format of ``qdrant/{collection}.snapshot`` (documented in docs/snapshot-format.md).

Native Qdrant snapshots hold whole collections, restore only on close Qdrant versions and
replace the target; a file package needs *one video's points* merged into a shared collection.
So this is our own format: a header with the collection's vector configuration, then one
record per point (JSON id + payload, vectors as little-endian float32), then a trailer
repeating the point count so truncation is detected without the checksum file.

    magic       8 bytes  b"MRQSNAP1"
    header_len  uint32 LE, then header_len bytes of UTF-8 JSON (sorted keys)
    records     point_count times:
                  meta_len uint32 LE, meta JSON {"id": ..., "payload": {...}}
                  for each vector in header["vectors"] order: size * float32 LE
    trailer     8 bytes  b"MRQSEND1", then point_count as uint64 LE
"""

from __future__ import annotations

import json
import struct
import uuid as uuidlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from momrel.bundle import strictjson
from momrel.bundle.formats import DocumentFormat
from momrel.config import UUID_RE
from momrel.errors import MomrelError, shown
from momrel.vectors import VectorSpec, specs_problem

MAGIC = b"MRQSNAP1"
TRAILER = b"MRQSEND1"
FORMAT = "momrel-qdrant-points"
FORMAT_VERSION = 1
POINTS_FORMAT = DocumentFormat(FORMAT, FORMAT_VERSION, "momrel point snapshot")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
# A record's JSON part larger than this is treated as corruption rather than allocated.
MAX_META_BYTES = 64 * 1024 * 1024
MAX_POINT_ID = 2**64 - 1  # Qdrant's numeric ids are unsigned 64-bit


@dataclass(frozen=True)
class SnapshotHeader:
    collection: str            # logical collection name (params.yaml `collections:` key)
    source_collection: str     # Qdrant collection it was read from
    file_uuid: str
    file_uuid_key: str         # payload key holding the file uuid
    vectors: tuple[VectorSpec, ...]
    point_count: int

    def to_json(self) -> bytes:
        data = {
            **POINTS_FORMAT.stamp(),
            "collection": self.collection,
            "source_collection": self.source_collection,
            "file_uuid": self.file_uuid,
            "file_uuid_key": self.file_uuid_key,
            "vectors": [{"name": v.name, "size": v.size, "distance": v.distance}
                        for v in self.vectors],
            "point_count": self.point_count,
            "vector_dtype": "float32-le",
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "SnapshotHeader":
        data = strictjson.loads(raw, "snapshot header")
        try:
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            problem = POINTS_FORMAT.problem(data)
            if problem:
                raise ValueError(problem)
            header = cls(
                collection=str(data["collection"]),
                source_collection=str(data["source_collection"]),
                file_uuid=str(data["file_uuid"]),
                file_uuid_key=str(data["file_uuid_key"]),
                vectors=tuple(VectorSpec(str(v["name"]), int(v["size"]), str(v["distance"]))
                              for v in data["vectors"]),
                point_count=int(data["point_count"]),
            )
            problem = specs_problem(header.vectors)
            if problem:
                raise ValueError(problem)
            if not UUID_RE.fullmatch(header.file_uuid):
                raise ValueError(f"file_uuid {header.file_uuid!r} is not a lower-case hyphenated UUID")
            if not header.file_uuid_key or header.point_count < 0:
                raise ValueError("file_uuid_key is empty or point_count is negative")
            return header
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MomrelError(f"snapshot header is invalid: {exc}") from None


@dataclass(frozen=True)
class SnapshotPoint:
    id: int | str
    payload: dict
    vectors: dict[str, np.ndarray]   # vector name -> float32 array ('' for the default vector)

    def qdrant_vector(self):
        """The vectors as qdrant-client takes them: a list for the unnamed vector, else a dict."""
        if list(self.vectors) == [""]:
            return self.vectors[""].tolist()
        return {name: v.tolist() for name, v in self.vectors.items()}


def write(out: BinaryIO, header: SnapshotHeader, points: Iterable) -> int:
    """Write header, points (qdrant Records or SnapshotPoints) and trailer; return the count.

    Raises if the number of points differs from header.point_count (the collection changed
    while it was being read), so a snapshot never disagrees with its own header.
    """
    head = header.to_json()
    out.write(MAGIC + _U32.pack(len(head)) + head)
    written = 0
    for point in points:
        meta = json.dumps({"id": point.id, "payload": point.payload or {}}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False).encode()
        chunks = [_U32.pack(len(meta)), meta]
        for spec in header.vectors:
            chunks.append(_vector_bytes(point, spec))
        out.write(b"".join(chunks))
        written += 1
    if written != header.point_count:
        raise MomrelError(f"collection {header.source_collection} changed while it was read "
                          f"({header.point_count} points counted, {written} read); export again")
    out.write(TRAILER + _U64.pack(written))
    return written


def _vector_bytes(point, spec: VectorSpec) -> bytes:
    vector = point.vectors if isinstance(point, SnapshotPoint) else point.vector
    if isinstance(vector, dict):
        vector = vector.get(spec.name)
    elif spec.name:
        vector = None
    if vector is None:
        raise MomrelError(f"point {point.id} has no vector '{spec.name or '(default)'}'")
    array = np.asarray(vector, dtype="<f4")
    if array.shape != (spec.size,):
        raise MomrelError(f"point {point.id}: vector '{spec.name}' has {array.size} values, "
                          f"expected {spec.size}")
    return array.tobytes()


class SnapshotReader:
    """Streams a snapshot: ``header`` first, then ``points()`` one at a time."""

    def __init__(self, stream: BinaryIO, label: str = "snapshot"):
        self.stream = stream
        self.label = label
        if self._read(len(MAGIC)) != MAGIC:
            raise MomrelError(f"{label}: not a momrel point snapshot (bad magic)")
        (head_len,) = _U32.unpack(self._read(4))
        if head_len > MAX_META_BYTES:
            raise MomrelError(f"{label}: header length {head_len} is implausible")
        self.header = SnapshotHeader.from_json(self._read(head_len))

    def _read(self, n: int) -> bytes:
        data = self.stream.read(n)
        if len(data) != n:
            raise MomrelError(f"{self.label}: truncated")
        return data

    def points(self) -> Iterator[SnapshotPoint]:
        for _ in range(self.header.point_count):
            (meta_len,) = _U32.unpack(self._read(4))
            if meta_len > MAX_META_BYTES:
                raise MomrelError(f"{self.label}: record length {meta_len} is implausible")
            meta = strictjson.loads(self._read(meta_len), f"{self.label}: a point record")
            if not isinstance(meta, dict) or set(meta) != {"id", "payload"}:
                raise MomrelError(f"{self.label}: a point record is not an object with exactly "
                                  "'id' and 'payload'")
            point_id, payload = meta["id"], meta["payload"]
            vectors = {spec.name: np.frombuffer(self._read(4 * spec.size), dtype="<f4")
                       for spec in self.header.vectors}
            yield SnapshotPoint(point_id, payload, vectors)
        tail = self.stream.read(len(TRAILER) + 8)
        if len(tail) != len(TRAILER) + 8 or tail[: len(TRAILER)] != TRAILER:
            raise MomrelError(f"{self.label}: truncated or corrupt (trailer missing)")
        (count,) = _U64.unpack(tail[len(TRAILER):])
        if count != self.header.point_count:
            raise MomrelError(f"{self.label}: trailer says {count} points, header {self.header.point_count}")
        if self.stream.read(1):
            raise MomrelError(f"{self.label}: unexpected bytes after the trailer")


# ---------------------------------------------------------------- checking points
def check_point(point: SnapshotPoint, header: SnapshotHeader, label: str) -> None:
    """A point a target may receive: a valid id, an object payload that names the package's
    file under the header's key, finite vectors (NaN or Infinity would rank first in every
    search, with score NaN)."""
    if not valid_point_id(point.id):
        raise MomrelError(f"{label}: point id {shown(point.id)} is neither an unsigned 64-bit "
                          "integer nor a lower-case hyphenated UUID")
    if not isinstance(point.payload, dict):
        raise MomrelError(f"{label}: point {point.id}: payload is not an object")
    owner = point.payload.get(header.file_uuid_key)
    if owner != header.file_uuid:
        raise MomrelError(f"{label}: point {point.id}: payload {header.file_uuid_key!r} is "
                          f"{shown(owner)}, not the package's file {header.file_uuid}")
    for name, vector in point.vectors.items():
        if not np.isfinite(vector).all():
            raise MomrelError(f"{label}: point {point.id}: vector '{name or '(default)'}' holds "
                              "NaN or Infinity")


def valid_point_id(point_id) -> bool:
    if isinstance(point_id, bool):
        return False
    if isinstance(point_id, int):
        return 0 <= point_id <= MAX_POINT_ID
    return isinstance(point_id, str) and bool(UUID_RE.fullmatch(point_id))


class PointIds:
    """The ids of a snapshot, 8 or 16 bytes each (not Python objects), to find a duplicate."""

    def __init__(self):
        self._numbers = array("Q")
        self._uuids = bytearray()

    def add(self, point_id) -> None:
        if isinstance(point_id, int):
            self._numbers.append(point_id)
        else:
            self._uuids += uuidlib.UUID(point_id).bytes

    def first_duplicate(self):
        """An id that occurs twice, or None."""
        numbers = np.frombuffer(self._numbers, dtype=np.uint64) if self._numbers else \
            np.zeros(0, np.uint64)
        ordered = np.sort(numbers)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if repeated.size:
            return int(repeated[0])
        halves = np.frombuffer(bytes(self._uuids), dtype=">u8").reshape(-1, 2)
        order = np.lexsort((halves[:, 1], halves[:, 0]))
        ordered = halves[order]
        same = np.all(ordered[1:] == ordered[:-1], axis=1)
        if same.any():
            high, low = ordered[1:][same][0]
            return str(uuidlib.UUID(int=(int(high) << 64) | int(low)))
        return None
