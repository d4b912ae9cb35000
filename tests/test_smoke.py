from momrel.demo import seed as seeding


def test_seed_and_export_smoke(seeded_repo):
    uuid_ = seeding.file_uuid(0)
    result = seeded_repo.ok("file", "export", "--uuid", uuid_, "--version", "1.0.0")
    assert "created" in result.stdout
