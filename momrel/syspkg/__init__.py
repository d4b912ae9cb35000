"""System packages: a release of the Momentry source repository (server, env file, schema,
scripts, smoke test, migration from the previous release) built from its git tag."""
