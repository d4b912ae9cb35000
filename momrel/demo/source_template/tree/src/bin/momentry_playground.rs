//! The Momentry playground (the dev environment): reads `.env.development` unless
//! `--env-file` names another file.

fn main() -> std::process::ExitCode {
    momentry::run("momentry_playground", ".env.development")
}
