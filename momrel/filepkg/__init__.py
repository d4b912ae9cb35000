"""File content packages: everything about one video, in release/files/{file_uuid}/{version}/.

layout      names of the files inside a package
source      reading one file's rows, points and processor JSON from the source environment
content     the package's parts as byte streams, shared by export and fingerprint
snapshot    the portable Qdrant point format (qdrant/{collection}.snapshot)
manifest    metadata.json, RELEASE_INFO.txt, datapackage.json, the content hash
export      writing a package atomically, immutability of published versions
fingerprint the content hash DVC uses to decide whether a package is stale
verify      checking a package folder
pipeline    params.yaml `files:` entries and the per-package DVC pipelines

Atomic files, the staging folder, SHA256SUMS, safe member paths and format stamps are
momrel.bundle's, shared with the other kinds of package.
"""
