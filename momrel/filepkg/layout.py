"""Names of the files inside a file content package (documented in docs/file-package.md)."""

from momrel.bundle import sha256sums
from momrel.bundle.formats import DocumentFormat

FORMAT = "momrel-file-package"
FORMAT_VERSION = 1
PACKAGE_FORMAT = DocumentFormat(FORMAT, FORMAT_VERSION, "momrel file package")

# Limits of the format: a package's JSON is parsed whole, so each document has a size cap.
MAX_METADATA_BYTES = 16 * 1024 * 1024          # metadata.json, datapackage.json: kilobytes
# A processor output is parsed whole (memory about twice its size); Momentry's largest are tens
# of megabytes. Export refuses the same files, so no package exceeds it.
MAX_PROCESSOR_JSON_BYTES = 512 * 1024 * 1024

METADATA = "metadata.json"
RELEASE_INFO = "RELEASE_INFO.txt"
CHECKSUMS = sha256sums.FILE_NAME
DATAPACKAGE = "datapackage.json"
PROCESSORS_DIR = "processors"
QDRANT_DIR = "qdrant"


def csv_path(table: str) -> str:
    return f"{table}.csv"


def processor_path(name: str) -> str:
    return f"{PROCESSORS_DIR}/{name}.json"


def snapshot_path(collection: str) -> str:
    return f"{QDRANT_DIR}/{collection}.snapshot"
