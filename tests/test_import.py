"""Import of a file content package into a target environment (dev -> prod here)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from psycopg import sql

from momrel.vectors import file_filter
from package_support import export_video, import_args, pg_rows
from support import FILES, PROJECT


def import_(repo, package, *extra):
    """Import into prod; the summary it prints with --json."""
    return json.loads(repo.ok(*import_args(package, "--json", *extra)).stdout)


def points_of(client, collection, file_uuid):
    if not client.collection_exists(collection):
        return {}
    points, _ = client.scroll(collection, scroll_filter=file_filter("file_uuid", file_uuid),
                              limit=10**6, with_payload=True, with_vectors=True)
    return {p.id: p for p in points}


def natural_rows(repo, schema, file_uuid):
    """The file's rows with surrogate ids replaced by what they stand for."""
    tables = {name: sql.Identifier(schema, name)
              for name in ("face_detections", "identities", "tkg_nodes", "tkg_edges", "files")}
    return {
        "face_detections": repo.sql(sql.SQL(
            "SELECT f.frame, f.ts_ms, f.bbox, f.confidence, i.identity_uuid, f.landmarks "
            "FROM {face_detections} f LEFT JOIN {identities} i ON i.id = f.identity_id "
            "WHERE f.file_uuid = %s ORDER BY f.id").format(**tables), (file_uuid,)),
        "tkg_nodes": repo.sql(sql.SQL(
            "SELECT node_type, label, t_start_ms, t_end_ms, props FROM {tkg_nodes} "
            "WHERE file_uuid = %s ORDER BY id").format(**tables), (file_uuid,)),
        "tkg_edges": repo.sql(sql.SQL(
            """WITH ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS rank
                               FROM {tkg_nodes} WHERE file_uuid = %s)
                SELECT s.rank, d.rank, e.relation, e.t_ms, e.weight, e.props
                FROM {tkg_edges} e JOIN ranked s ON s.id = e.src_node_id
                JOIN ranked d ON d.id = e.dst_node_id WHERE e.file_uuid = %s ORDER BY e.id"""
            ).format(**tables), (file_uuid, file_uuid)),
        "identities": repo.sql(sql.SQL(
            "SELECT DISTINCT i.identity_uuid, i.display_name, i.created_at FROM {identities} i "
            "JOIN {face_detections} f ON f.identity_id = i.id WHERE f.file_uuid = %s "
            "ORDER BY 1").format(**tables), (file_uuid,)),
        "files": repo.sql(sql.SQL(
            "SELECT filename, duration, fps, width, height, size_bytes, sha256, registered_at, "
            "updated_at, status FROM {files} WHERE file_uuid = %s").format(**tables), (file_uuid,)),
    }


def test_round_trip_dev_to_prod_is_equal_row_point_and_file(seeded_repo, tmp_path):
    package = export_video(seeded_repo, tmp_path, 0)
    summary = import_(seeded_repo, package)
    assert summary["target_uuid"] == FILES[0] and summary["schema"] == "public"

    dev, prod = natural_rows(seeded_repo, "dev", FILES[0]), natural_rows(seeded_repo, "public", FILES[0])
    for table in dev:
        assert dev[table] == prod[table], table
        assert dev[table], f"no rows compared for {table}"
    assert prod["files"][0][-1] == "registered_processed"
    # Foreign keys of the target point at target rows of the same file.
    (dangling,), = seeded_repo.sql(
        "SELECT count(*) FROM public.tkg_edges e JOIN public.tkg_nodes n ON n.id = e.src_node_id "
        "WHERE e.file_uuid = %s AND n.file_uuid <> e.file_uuid", (FILES[0],))
    assert dangling == 0

    config = seeded_repo.config()
    with seeded_repo.qdrant() as client:
        for logical in config.collections:
            source = points_of(client, config.env("dev").collections[logical], FILES[0])
            target = points_of(client, config.env("prod").collections[logical], FILES[0])
            assert source and source.keys() == target.keys()
            for point_id, point in source.items():
                assert target[point_id].payload == point.payload
                assert np.array_equal(np.asarray(target[point_id].vector, dtype=np.float32),
                                      np.asarray(point.vector, dtype=np.float32))
            assert summary["points"][logical] == len(target)

    for name in config.processors:
        source = config.env("dev").output_dir / f"{FILES[0]}.{name}.json"
        target = config.env("prod").output_dir / f"{FILES[0]}.{name}.json"
        assert target.read_bytes() == source.read_bytes()


def test_import_twice_is_the_same_as_once(seeded_repo, tmp_path):
    package = export_video(seeded_repo, tmp_path, 0)
    import_(seeded_repo, package)
    once = pg_rows(seeded_repo)
    with seeded_repo.qdrant() as client:
        points_once = {k: (p.payload, p.vector) for k, p in points_of(client, "momentry_v1", FILES[0]).items()}
    json_once = {p.name: p.read_bytes() for p in seeded_repo.config().env("prod").output_dir.iterdir()}

    second = import_(seeded_repo, package)
    assert pg_rows(seeded_repo) == once, "a re-import must leave the target exactly as the first did"
    assert second["identities_reused"] == {"identities": len(once["identities"])}
    with seeded_repo.qdrant() as client:
        points_twice = {k: (p.payload, p.vector) for k, p in points_of(client, "momentry_v1", FILES[0]).items()}
        assert client.count("momentry_v1", exact=True).count == len(points_once)
    assert points_twice == points_once
    assert {p.name: p.read_bytes() for p in seeded_repo.config().env("prod").output_dir.iterdir()} == json_once


def test_other_files_in_the_target_are_untouched(seeded_repo, tmp_path):
    """File 1 is imported first: its ids (1..2000 in public) are the same range as file 0's ids
    in the package (1..2000 in dev). Importing file 0 must not touch it or collide with it."""
    import_(seeded_repo, export_video(seeded_repo, tmp_path, 1))
    before = {t: [r for r in rows] for t, rows in pg_rows(seeded_repo).items()}
    package_ids = [int(r[0]) for r in seeded_repo.sql(
        "SELECT id FROM dev.face_detections WHERE file_uuid = %s ORDER BY id", (FILES[0],))]
    existing_ids = [r[0] for r in before["face_detections"]]
    assert set(package_ids) & set(existing_ids), "the test needs overlapping id ranges"

    import_(seeded_repo, export_video(seeded_repo, tmp_path, 0))
    after = pg_rows(seeded_repo)
    for table in ("face_detections", "tkg_nodes", "tkg_edges"):
        kept = [r for r in after[table] if str(r[1]) == FILES[1]]
        assert kept == before[table], table
        new_ids = {r[0] for r in after[table] if str(r[1]) == FILES[0]}
        assert new_ids and not new_ids & {r[0] for r in before[table]}
    assert [r for r in after["files"] if str(r[0]) == FILES[1]] == before["files"]
    # Every identity row that existed keeps its id and content.
    assert set(map(tuple, before["identities"])) <= set(map(tuple, after["identities"]))
    assert natural_rows(seeded_repo, "public", FILES[1]) == natural_rows(seeded_repo, "dev", FILES[1])


def test_shared_identities_end_up_as_one_row(seeded_repo, tmp_path):
    shared = {r[0] for r in seeded_repo.sql(
        "SELECT i.identity_uuid FROM dev.identities i WHERE "
        "EXISTS (SELECT 1 FROM dev.face_detections f WHERE f.identity_id = i.id AND f.file_uuid = %s) AND "
        "EXISTS (SELECT 1 FROM dev.face_detections f WHERE f.identity_id = i.id AND f.file_uuid = %s)",
        (FILES[0], FILES[1]))}
    assert shared, "the seed makes neighbouring videos share people"
    import_(seeded_repo, export_video(seeded_repo, tmp_path, 0))
    second = import_(seeded_repo, export_video(seeded_repo, tmp_path, 1))
    assert second["identities_reused"]["identities"] == len(shared)
    (duplicates,), = seeded_repo.sql(
        "SELECT count(*) - count(DISTINCT identity_uuid) FROM public.identities")
    assert duplicates == 0
    for identity in shared:
        ids = seeded_repo.sql(
            "SELECT DISTINCT f.identity_id FROM public.face_detections f JOIN public.identities i "
            "ON i.id = f.identity_id WHERE i.identity_uuid = %s", (identity,))
        files = seeded_repo.sql(
            "SELECT DISTINCT f.file_uuid FROM public.face_detections f JOIN public.identities i "
            "ON i.id = f.identity_id WHERE i.identity_uuid = %s", (identity,))
        assert len(ids) == 1 and len(files) == 2


def test_import_under_another_uuid_rewrites_every_reference(seeded_repo, tmp_path):
    target = "6c1b1a5e-0000-4000-8000-00000000beef"
    package = export_video(seeded_repo, tmp_path, 0)
    summary = import_(seeded_repo, package, "--uuid", target)
    assert summary["target_uuid"] == target and summary["source_uuid"] == FILES[0]
    for table in ("face_detections", "tkg_nodes", "tkg_edges"):
        uuids = {r[0] for r in seeded_repo.sql(sql.SQL("SELECT DISTINCT file_uuid::text FROM {}").format(
            sql.Identifier("public", table)))}
        assert uuids == {target}, table
    assert natural_rows(seeded_repo, "public", target) == natural_rows(seeded_repo, "dev", FILES[0])
    with seeded_repo.qdrant() as client:
        moved = points_of(client, "momentry_v1", target)
        assert len(moved) == summary["points"]["frames"]
        assert not points_of(client, "momentry_v1", FILES[0])
        assert not set(moved) & set(points_of(client, "momentry_dev_v1", FILES[0]))
    out = seeded_repo.config().env("prod").output_dir
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{target}.{name}.json" for name in seeded_repo.config().processors)

    # The same package under its own uuid as well: two files, no shared points or rows.
    import_(seeded_repo, package)
    with seeded_repo.qdrant() as client:
        assert len(points_of(client, "momentry_v1", target)) == len(points_of(client, "momentry_v1", FILES[0]))


def test_seed_form_script(seeded_repo, tmp_path):
    """python3 scripts/import_file_package.py --uuid U --package DIR (the seed's flow)."""
    package = export_video(seeded_repo, tmp_path, 2)
    result = subprocess.run([sys.executable, str(PROJECT / "scripts" / "import_file_package.py"),
                             "--uuid", FILES[2], "--package", str(package)],
                            cwd=seeded_repo.root, env=seeded_repo.env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert seeded_repo.sql("SELECT status FROM public.files WHERE file_uuid = %s",
                           (FILES[2],)) == [("registered_processed",)]
