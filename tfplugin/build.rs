//! Compiles every `.proto` file under `proto/` into Rust (prost messages, tonic servers and
//! clients) with a pure-Rust protobuf compiler, so building needs no system `protoc`.
//!
//! `protox` parses the files into a `FileDescriptorSet`; the well-known types the files import
//! (`google/protobuf/timestamp.proto`, `google/protobuf/empty.proto`) come bundled with it.
//! Those are generated alongside our own packages (package `google.protobuf`) rather than taken
//! from the `prost-types` crate.

use std::{
    error::Error,
    fs,
    path::{Path, PathBuf},
};

const PROTO_DIR: &str = "proto";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={PROTO_DIR}");
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    collect_protos(Path::new(PROTO_DIR), &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(format!("no .proto files found under {PROTO_DIR}/").into());
    }

    // Source info is kept so that the proto comments become doc comments.
    let fds = protox::compile(&files, [PROTO_DIR])?;

    let mut config = tonic_prost_build::Config::new();
    // Google's long well-known-type prose adds nothing to our docs.
    config.disable_comments([".google.protobuf"]);

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_well_known_types(true)
        .compile_fds_with_config(fds, config)?;

    Ok(())
}

/// Every `*.proto` below `dir`, recursively.
fn collect_protos(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path);
        }
    }
    Ok(())
}
