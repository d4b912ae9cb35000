//! The Momentry API server, reduced to what a release has to prove: it starts from its
//! environment file, listens on PORT, and says which version and database schema it runs
//! (`GET /health`). Standard library only, so it builds offline on any machine with Rust.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The crate's version, which a release tag sets in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A configuration problem (no env file, no PORT): nothing was started.
const EXIT_CONFIG: u8 = 2;
/// The port cannot be listened on.
const EXIT_FAILURE: u8 = 1;

pub struct Settings {
    pub service: String,
    pub port: u16,
    pub schema: String,
    pub workers: usize,
    pub log_requests: bool,
}

/// `KEY=VALUE` lines. Blank lines and `#` comments are skipped, an `export ` prefix and
/// surrounding quotes are removed, and `${NAME}` is replaced by the process environment's NAME:
/// secrets stay on the host and the file only names them.
pub fn parse_env_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut values = BTreeMap::new();
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected KEY=VALUE", number + 1))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("line {}: {:?} is not a variable name", number + 1, key));
        }
        values.insert(key.to_string(), expand(unquote(value.trim())));
    }
    Ok(values)
}

fn unquote(value: &str) -> &str {
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    if quoted {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

fn expand(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&env::var(&rest[start + 2..start + end]).unwrap_or_default());
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Settings from the env file's values.
pub fn settings(service: &str, values: &BTreeMap<String, String>) -> Result<Settings, String> {
    let port = values
        .get("PORT")
        .ok_or("PORT is not set")?
        .parse::<u16>()
        .map_err(|_| format!("PORT={:?} is not a port number", values["PORT"]))?;
    let workers = match values.get("MOMENTRY_API_WORKERS") {
        None => 4,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("MOMENTRY_API_WORKERS={:?} is not a positive number", text)),
        },
    };
    let log = values.get("RUST_LOG").map(String::as_str).unwrap_or("info");
    Ok(Settings {
        service: service.to_string(),
        port,
        // PostgreSQL's own default when the file does not choose one.
        schema: values.get("DATABASE_SCHEMA").cloned().unwrap_or_else(|| "public".to_string()),
        workers,
        log_requests: matches!(log, "debug" | "trace"),
    })
}

pub fn health_json(settings: &Settings) -> String {
    format!(
        "{{\"status\":\"ok\",\"service\":{},\"version\":{},\"schema\":{}}}",
        json_string(&settings.service),
        json_string(VERSION),
        json_string(&settings.schema)
    )
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The answer to one request line: status line and JSON body.
pub fn respond(method: &str, target: &str, settings: &Settings) -> (&'static str, String) {
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/health") => ("200 OK", health_json(settings)),
        (_, "/health") => ("405 Method Not Allowed", "{\"error\":\"method not allowed\"}".into()),
        _ => ("404 Not Found", "{\"error\":\"not found\"}".into()),
    }
}

fn serve(stream: TcpStream, settings: &Settings) {
    // A client that never finishes its request must not hold a worker for ever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => continue,
            Err(_) => return,
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = respond(method, target, settings);
    if settings.log_requests {
        eprintln!("{} {} -> {}", method, target, status);
    }
    let response = format!(
        "HTTP/1.1 {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status,
        body.len(),
        body
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

fn usage(service: &str, default_env_file: &str) -> String {
    format!("usage: {} [--env-file PATH]   (default: {})", service, default_env_file)
}

fn env_file_argument(service: &str, default_env_file: &str) -> Result<Option<String>, String> {
    let mut args = env::args().skip(1);
    let mut path = default_env_file.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--env-file" => path = args.next().ok_or("--env-file needs a path")?,
            other => match other.strip_prefix("--env-file=") {
                Some(value) => path = value.to_string(),
                None => return Err(format!("unknown argument {:?}; {}", other, usage(service, default_env_file))),
            },
        }
    }
    Ok(Some(path))
}

/// The whole program of each binary: read the env file, listen on 127.0.0.1:PORT, answer.
pub fn run(service: &str, default_env_file: &str) -> ExitCode {
    let path = match env_file_argument(service, default_env_file) {
        Ok(Some(path)) => path,
        Ok(None) => {
            println!("{} {}\n{}", service, VERSION, usage(service, default_env_file));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{}: {}", service, message);
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let loaded = fs::read_to_string(&path)
        .map_err(|e| format!("cannot read env file {}: {}", path, e))
        .and_then(|text| parse_env_file(&text).map_err(|e| format!("env file {}: {}", path, e)))
        .and_then(|values| settings(service, &values).map_err(|e| format!("env file {}: {}", path, e)));
    let settings = match loaded {
        Ok(settings) => Arc::new(settings),
        Err(message) => {
            eprintln!("{}: {}", service, message);
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", settings.port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("{}: cannot listen on 127.0.0.1:{}: {}", service, settings.port, e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    eprintln!(
        "{} {} listening on http://127.0.0.1:{} (schema {}, {} workers)",
        service, VERSION, settings.port, settings.schema, settings.workers
    );
    let mut workers = Vec::new();
    for _ in 0..settings.workers {
        let (listener, settings) = match listener.try_clone() {
            Ok(clone) => (clone, Arc::clone(&settings)),
            Err(e) => {
                eprintln!("{}: cannot start a worker: {}", service, e);
                return ExitCode::from(EXIT_FAILURE);
            }
        };
        workers.push(thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &settings);
            }
        }));
    }
    for worker in workers {
        let _ = worker.join();
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let values = parse_env_file("# comment\n\nexport PORT=3003\nDATABASE_SCHEMA=\"dev\"\n").unwrap();
        assert_eq!(values["PORT"], "3003");
        assert_eq!(values["DATABASE_SCHEMA"], "dev");
        assert!(parse_env_file("no equals sign\n").is_err());
    }

    #[test]
    fn health_and_not_found() {
        let values = parse_env_file("PORT=3003\nDATABASE_SCHEMA=dev\n").unwrap();
        let settings = settings("momentry_playground", &values).unwrap();
        let (status, body) = respond("GET", "/health", &settings);
        assert_eq!(status, "200 OK");
        assert!(body.contains("\"schema\":\"dev\""));
        assert_eq!(respond("GET", "/nothing", &settings).0, "404 Not Found");
    }
}
