"""Names of the files inside a file content package (documented in docs/file-package.md)."""

FORMAT = "momrel-file-package"
FORMAT_VERSION = 1

METADATA = "metadata.json"
RELEASE_INFO = "RELEASE_INFO.txt"
CHECKSUMS = "SHA256SUMS"
DATAPACKAGE = "datapackage.json"
PROCESSORS_DIR = "processors"
QDRANT_DIR = "qdrant"


def csv_path(table: str) -> str:
    return f"{table}.csv"


def processor_path(name: str) -> str:
    return f"{PROCESSORS_DIR}/{name}.json"


def snapshot_path(collection: str) -> str:
    return f"{QDRANT_DIR}/{collection}.snapshot"
