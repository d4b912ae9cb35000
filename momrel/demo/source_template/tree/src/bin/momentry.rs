//! Momentry in production: reads `.env` unless `--env-file` names another file.

fn main() -> std::process::ExitCode {
    momentry::run("momentry", ".env")
}
