"""The portable Qdrant point format (momrel.filepkg.snapshot), fed from a real Qdrant.

Points come from qdrant_client's local mode (in memory) through momrel.vectors, exactly as
export reads them, and go through snapshot.write / SnapshotReader in memory.
"""

from __future__ import annotations

import io
import json
import struct
import uuid

import numpy as np
import pytest
from qdrant_client import QdrantClient, models

from momrel import vectors
from momrel.filepkg import snapshot
from momrel.filepkg.snapshot import SnapshotHeader, SnapshotPoint, SnapshotReader
from momrel.vectors import VectorSpec
from support import raises_momrel_error

FILE_A = "417442fb-4c7f-5c9d-b7c5-41666470718f"
FILE_B = "d0492139-23b1-5251-a0d5-1c92944e24b6"
KEY = "file_uuid"
DIM = 16


@pytest.fixture
def client():
    qdrant = QdrantClient(":memory:")
    yield qdrant
    qdrant.close()


@pytest.fixture
def rng():
    return np.random.default_rng(20260105)


def make_collection(client, name, config) -> None:
    client.create_collection(name, vectors_config=config)


def upsert(client, name, points) -> None:
    client.upsert(name, points=points, wait=True)


def header_for(client, collection, file_uuid, point_count, specs=None) -> SnapshotHeader:
    return SnapshotHeader(
        collection="frames",
        source_collection=collection,
        file_uuid=file_uuid,
        file_uuid_key=KEY,
        vectors=tuple(specs if specs is not None else vectors.vector_specs(client, collection)),
        point_count=point_count,
    )


def export_bytes(client, collection, file_uuid, limit=None) -> tuple[bytes, list]:
    """Read one file's points as export does and write them as a snapshot; return bytes, records."""
    records = list(vectors.iter_file_points(client, collection, KEY, file_uuid, limit=limit))
    assert vectors.count_file_points(client, collection, KEY, file_uuid) == len(records)
    out = io.BytesIO()
    written = snapshot.write(out, header_for(client, collection, file_uuid, len(records)), records)
    assert written == len(records)
    return out.getvalue(), records


def read_all(data: bytes, label: str = "snap") -> tuple[SnapshotHeader, list[SnapshotPoint]]:
    reader = SnapshotReader(io.BytesIO(data), label)
    return reader.header, list(reader.points())


@pytest.fixture
def frames(client, rng):
    """Collection 'frames': 23 points of FILE_A (ids shuffled on upsert), 9 of FILE_B.

    Euclid distance, so Qdrant stores vectors unchanged (Cosine would normalize them).
    """
    make_collection(client, "frames", models.VectorParams(size=DIM, distance=models.Distance.EUCLID))
    expected = {}
    points = []
    ids_a = [int(i) for i in rng.permutation(np.arange(1, 200, 7))[:23]]
    for n, point_id in enumerate(ids_a):
        vector = rng.standard_normal(DIM).astype(np.float32)
        payload = {KEY: FILE_A, "frame": n * 25, "ts_ms": n * 1000, "label": f"frame {n} – ü",
                   "tags": ["a", {"nested": n}], "score": 0.1 * n, "empty": None}
        expected[point_id] = (payload, vector)
        points.append(models.PointStruct(id=point_id, vector=vector.tolist(), payload=payload))
    for n in range(9):
        points.append(models.PointStruct(id=1000 + n, vector=rng.standard_normal(DIM).tolist(),
                                         payload={KEY: FILE_B, "frame": n}))
    rng.shuffle(points)
    upsert(client, "frames", points)
    return expected


# ---------------------------------------------------------------- round trip
def test_round_trip_from_qdrant(client, frames):
    data, records = export_bytes(client, "frames", FILE_A)
    header, points = read_all(data)

    assert header == header_for(client, "frames", FILE_A, len(frames))
    assert header.vectors == (VectorSpec("", DIM, "Euclid"),)
    assert [p.id for p in points] == sorted(frames)  # only FILE_A's points, ordered by id
    for point in points:
        payload, vector = frames[point.id]
        assert point.payload == payload
        assert point.payload[KEY] == FILE_A
        assert set(point.vectors) == {""}
        assert point.vectors[""].dtype == np.dtype("<f4")
        assert np.array_equal(point.vectors[""], vector)
    # and exactly what Qdrant returned
    assert [r.id for r in records] == [p.id for p in points]
    for record, point in zip(records, points):
        assert record.payload == point.payload
        assert np.array_equal(np.asarray(record.vector, dtype=np.float32), point.vectors[""])


def test_other_file_gets_only_its_points(client, frames):
    data, _ = export_bytes(client, "frames", FILE_B)
    header, points = read_all(data)
    assert header.file_uuid == FILE_B and header.point_count == 9
    assert [p.id for p in points] == list(range(1000, 1009))
    assert all(p.payload == {KEY: FILE_B, "frame": p.id - 1000} for p in points)


def test_write_is_deterministic(client, frames):
    first, _ = export_bytes(client, "frames", FILE_A)
    second, _ = export_bytes(client, "frames", FILE_A, limit=5)
    assert first == second


def test_header_is_sorted_json(client, frames):
    data, _ = export_bytes(client, "frames", FILE_A)
    assert data[:8] == snapshot.MAGIC
    (head_len,) = struct.unpack("<I", data[8:12])
    head = json.loads(data[12:12 + head_len])
    assert list(head) == sorted(head)
    assert head["format"] == snapshot.FORMAT and head["format_version"] == snapshot.FORMAT_VERSION
    assert head["vector_dtype"] == "float32-le"
    assert head["vectors"] == [{"name": "", "size": DIM, "distance": "Euclid"}]
    assert head["point_count"] == 23
    assert data[-16:] == snapshot.TRAILER + struct.pack("<Q", 23)


def test_pagination_returns_every_point_once(client, frames):
    records = list(vectors.iter_file_points(client, "frames", KEY, FILE_A, limit=7))
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)) == 23
    assert ids == sorted(frames)
    # a page size that divides the count exactly, and one of a single point
    for limit in (1, 23, 24):
        assert [r.id for r in vectors.iter_file_points(client, "frames", KEY, FILE_A,
                                                       limit=limit)] == ids


def test_uuid_point_ids(client, rng):
    make_collection(client, "c", models.VectorParams(size=4, distance=models.Distance.DOT))
    ids = sorted(str(uuid.UUID(int=int(rng.integers(1, 2**62)) << 64)) for _ in range(5))
    vecs = {i: rng.standard_normal(4).astype(np.float32) for i in ids}
    upsert(client, "c", [models.PointStruct(id=i, vector=v.tolist(), payload={KEY: FILE_A})
                         for i, v in vecs.items()])
    data, records = export_bytes(client, "c", FILE_A, limit=2)
    _, points = read_all(data)
    assert [p.id for p in points] == [r.id for r in records]
    assert sorted(p.id for p in points) == ids
    for p in points:
        assert np.array_equal(p.vectors[""], vecs[p.id])


# ---------------------------------------------------------------- named vectors
def test_named_vectors(client, rng):
    make_collection(client, "multi", {
        "text": models.VectorParams(size=4, distance=models.Distance.DOT),
        "image": models.VectorParams(size=6, distance=models.Distance.EUCLID),
    })
    specs = vectors.vector_specs(client, "multi")
    assert specs == [VectorSpec("image", 6, "Euclid"), VectorSpec("text", 4, "Dot")]

    expected = {}
    for point_id in (3, 1, 2):
        vecs = {"image": rng.standard_normal(6).astype(np.float32),
                "text": rng.standard_normal(4).astype(np.float32)}
        expected[point_id] = vecs
        upsert(client, "multi", [models.PointStruct(
            id=point_id, vector={k: v.tolist() for k, v in vecs.items()},
            payload={KEY: FILE_A, "n": point_id})])
    data, _ = export_bytes(client, "multi", FILE_A)
    header, points = read_all(data)
    assert header.vectors == tuple(specs)
    assert [p.id for p in points] == [1, 2, 3]
    for p in points:
        assert set(p.vectors) == {"image", "text"}
        for name, vector in expected[p.id].items():
            assert p.vectors[name].shape == vector.shape
            assert np.array_equal(p.vectors[name], vector)
    # record layout: image (6 floats) before text (4 floats), as in the header
    first_meta = json.dumps({"id": 1, "payload": {KEY: FILE_A, "n": 1}}, sort_keys=True,
                            separators=(",", ":")).encode()
    start = 12 + struct.unpack("<I", data[8:12])[0]
    body = data[start + 4 + len(first_meta):start + 4 + len(first_meta) + 40]
    assert np.array_equal(np.frombuffer(body[:24], "<f4"), expected[1]["image"])
    assert np.array_equal(np.frombuffer(body[24:], "<f4"), expected[1]["text"])


def test_named_vector_missing_from_point(client):
    spec = (VectorSpec("image", 2, "Dot"),)
    header = SnapshotHeader("frames", "c", FILE_A, KEY, spec, 1)
    point = SnapshotPoint(1, {}, {"text": np.zeros(2, np.float32)})
    with raises_momrel_error(1, match="point 1 has no vector 'image'"):
        snapshot.write(io.BytesIO(), header, [point])


def test_vector_specs_errors(client):
    with raises_momrel_error(1, match="'absent' does not exist"):
        vectors.vector_specs(client, "absent")
    client.create_collection("sparse", vectors_config={},
                             sparse_vectors_config={"s": models.SparseVectorParams()})
    with raises_momrel_error(1, match="sparse vectors"):
        vectors.vector_specs(client, "sparse")


# ---------------------------------------------------------------- empty and sizes
def test_file_without_points(client, frames):
    absent = "c8b946d3-7b75-5791-9051-bf7e4e72fe33"
    data, records = export_bytes(client, "frames", absent)
    assert records == []
    header, points = read_all(data)
    assert header.point_count == 0 and header.file_uuid == absent
    assert points == []
    head = header.to_json()
    assert len(data) == 8 + 4 + len(head) + 8 + 8


def test_empty_collection(client):
    make_collection(client, "none", models.VectorParams(size=3, distance=models.Distance.COSINE))
    data, records = export_bytes(client, "none", FILE_A)
    assert records == []
    assert read_all(data)[1] == []


def _snapshot_of(n: int, dim: int) -> bytes:
    spec = (VectorSpec("", dim, "Dot"),)
    points = [SnapshotPoint(i, {"label": "x" * 10}, {"": np.arange(dim, dtype=np.float64) + i})
              for i in range(1, n + 1)]
    out = io.BytesIO()
    snapshot.write(out, SnapshotHeader("frames", "c", FILE_A, KEY, spec, n), points)
    return out.getvalue()


@pytest.mark.parametrize("dim", [1, 7, 512])
def test_vectors_are_float32(dim):
    sizes = [len(_snapshot_of(n, dim)) for n in range(1, 6)]
    meta = json.dumps({"id": 1, "payload": {"label": "x" * 10}}, sort_keys=True,
                      separators=(",", ":")).encode()
    per_point = 4 + len(meta) + 4 * dim
    head = SnapshotHeader("frames", "c", FILE_A, KEY, (VectorSpec("", dim, "Dot"),), 1).to_json()
    assert sizes[0] == 8 + 4 + len(head) + per_point + 16
    assert [b - a for a, b in zip(sizes, sizes[1:])] == [per_point] * 4
    # float64 input is stored as float32 and read back as such
    _, points = read_all(_snapshot_of(3, dim))
    for p in points:
        assert p.vectors[""].dtype == np.dtype("<f4")
        assert np.array_equal(p.vectors[""], (np.arange(dim) + p.id).astype(np.float32))


def test_float32_precision_is_kept_not_widened():
    value = np.array([1 / 3, -2.5e-38, 3.4e38, np.float32(0.1)], dtype=np.float32)
    spec = (VectorSpec("", 4, "Dot"),)
    out = io.BytesIO()
    snapshot.write(out, SnapshotHeader("f", "c", FILE_A, KEY, spec, 1),
                   [SnapshotPoint(7, {}, {"": value})])
    assert value.astype("<f4").tobytes() in out.getvalue()
    assert np.array_equal(read_all(out.getvalue())[1][0].vectors[""], value)


# ---------------------------------------------------------------- corruption
@pytest.fixture
def small_snapshot() -> bytes:
    return _snapshot_of(3, 5)


def test_truncation_is_detected(small_snapshot):
    data = small_snapshot
    (head_len,) = struct.unpack("<I", data[8:12])
    offsets = sorted({0, 1, 7, 8, 10, 12, 12 + head_len // 2, 12 + head_len, 12 + head_len + 2,
                      12 + head_len + 10, len(data) - 40, len(data) - 16, len(data) - 9,
                      len(data) - 1})
    for cut in offsets:
        with raises_momrel_error(1) as info:
            read_all(data[:cut], "cut")
        message = str(info.value)
        assert message.startswith("cut: "), (cut, message)
        assert "truncated" in message or "trailer" in message, (cut, message)


def test_trailing_bytes_are_rejected(small_snapshot):
    with raises_momrel_error(1, match="unexpected bytes after the trailer"):
        read_all(small_snapshot + b"\0")


def test_trailer_count_mismatch(small_snapshot):
    bad = small_snapshot[:-8] + struct.pack("<Q", 4)
    with raises_momrel_error(1, match="trailer says 4 points, header 3"):
        read_all(bad)


def test_bad_magic(small_snapshot):
    with raises_momrel_error(1, match="bad magic"):
        SnapshotReader(io.BytesIO(b"MRQSNAP2" + small_snapshot[8:]))
    with raises_momrel_error(1, match="bad magic"):
        SnapshotReader(io.BytesIO(b"PK\x03\x04" + small_snapshot[4:]))


def test_header_of_another_format(small_snapshot):
    (head_len,) = struct.unpack("<I", small_snapshot[8:12])
    head = json.loads(small_snapshot[12:12 + head_len])
    for key, value, expected in (("format", "qdrant", "not a momrel point snapshot"),
                                 ("format_version", 2, "unsupported format_version 2")):
        changed = json.dumps(dict(head, **{key: value})).encode()
        data = snapshot.MAGIC + struct.pack("<I", len(changed)) + changed
        with raises_momrel_error(1, match=f"snapshot header is invalid: {expected}"):
            SnapshotReader(io.BytesIO(data))


@pytest.mark.parametrize("head", [b"[]", b"null", b"\"text\""])
def test_header_that_is_not_an_object(head):
    data = snapshot.MAGIC + struct.pack("<I", len(head)) + head
    with raises_momrel_error(1, match="snapshot header is invalid"):
        SnapshotReader(io.BytesIO(data))


def test_implausible_header_length():
    data = snapshot.MAGIC + struct.pack("<I", 2**32 - 1) + b"{}"
    with raises_momrel_error(1, match="implausible"):
        SnapshotReader(io.BytesIO(data))


def test_corrupt_record_json(small_snapshot):
    (head_len,) = struct.unpack("<I", small_snapshot[8:12])
    start = 12 + head_len + 4
    bad = small_snapshot[:start] + b"[" + small_snapshot[start + 1:]
    with raises_momrel_error(1, match="a point record: not valid JSON"):
        read_all(bad)


def test_write_with_fewer_points_than_header(client, frames):
    records = list(vectors.iter_file_points(client, "frames", KEY, FILE_A))
    header = header_for(client, "frames", FILE_A, len(records))
    out = io.BytesIO()
    with raises_momrel_error(1, match=r"changed while it was read \(23 points counted, 20 read\)"):
        snapshot.write(out, header, records[:20])
    # no trailer was written, so the partial output is itself detectably incomplete
    with raises_momrel_error(1, match="truncated"):
        read_all(out.getvalue())


def test_write_with_more_points_than_header(client, frames):
    records = list(vectors.iter_file_points(client, "frames", KEY, FILE_A))
    header = header_for(client, "frames", FILE_A, len(records) - 1)
    with raises_momrel_error(1, match="changed while it was read"):
        snapshot.write(io.BytesIO(), header, records)


@pytest.mark.parametrize("length", [DIM - 1, DIM + 1, 0])
def test_vector_of_wrong_length(client, length):
    spec = (VectorSpec("", DIM, "Euclid"),)
    header = SnapshotHeader("frames", "c", FILE_A, KEY, spec, 1)
    point = SnapshotPoint(42, {KEY: FILE_A}, {"": np.ones(length, np.float32)})
    with raises_momrel_error(1, match=f"point 42: .*{length} values, expected {DIM}"):
        snapshot.write(io.BytesIO(), header, [point])


def test_qdrant_record_with_wrong_vector_length(client, frames):
    records = list(vectors.iter_file_points(client, "frames", KEY, FILE_A))
    spec = (VectorSpec("", DIM * 2, "Euclid"),)
    header = header_for(client, "frames", FILE_A, len(records), specs=spec)
    with raises_momrel_error(1, match=f"{DIM} values, expected {DIM * 2}"):
        snapshot.write(io.BytesIO(), header, records)


def test_implausible_vector_size_in_a_file(tmp_path):
    head = SnapshotHeader("f", "c", FILE_A, KEY, (VectorSpec("", 2**60, "Dot"),), 1).to_json()
    meta = b'{"id":1,"payload":{}}'
    path = tmp_path / "frames.snapshot"
    path.write_bytes(snapshot.MAGIC + struct.pack("<I", len(head)) + head
                     + struct.pack("<I", len(meta)) + meta + b"\0" * 64)
    with path.open("rb", buffering=1 << 20) as f:  # as verify opens it
        with raises_momrel_error(1, match="out of range"):
            SnapshotReader(f, "file")
