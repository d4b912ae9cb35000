"""Names of the files inside a file content package (documented in docs/file-package.md)."""

FORMAT = "momrel-file-package"
FORMAT_VERSION = 1

# Limits of the format: a package's JSON is parsed whole, so each document has a size cap.
MAX_METADATA_BYTES = 16 * 1024 * 1024          # metadata.json, datapackage.json: kilobytes
MAX_CHECKSUMS_BYTES = 1024 * 1024              # SHA256SUMS lists a few dozen files
# A processor output is parsed whole (memory about twice its size); Momentry's largest are tens
# of megabytes. Export refuses the same files, so no package exceeds it.
MAX_PROCESSOR_JSON_BYTES = 512 * 1024 * 1024

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
