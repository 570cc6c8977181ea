//! The hashes Terraform records for a provider package, computed here on our own so that a
//! test can compare them with what Terraform wrote: `zh:` is the SHA-256 of the zip archive,
//! `h1:` is Terraform's hash of the files inside it (golang.org/x/mod dirhash "Hash1": one
//! line `<sha256 hex>  <name>` per file in name order, SHA-256 of those lines, base64).

use std::path::Path;
use std::process::Command;

use base64::Engine as _;

pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `zh:<sha256 of the zip>`.
pub fn zh(zip: &[u8]) -> String {
    format!("zh:{}", sha256_hex(zip))
}

/// `h1:<dirhash of the unpacked files>`, reading the archive with `unzip`.
pub fn h1(zip: &Path) -> String {
    let listing = Command::new("unzip")
        .arg("-Z1")
        .arg(zip)
        .output()
        .expect("unzip runs");
    assert!(listing.status.success(), "{}", super::text(&listing));
    let mut names: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter(|n| !n.is_empty() && !n.ends_with('/'))
        .map(str::to_string)
        .collect();
    names.sort();
    let mut summary = String::new();
    for name in &names {
        let content = Command::new("unzip")
            .arg("-p")
            .arg(zip)
            .arg(name)
            .output()
            .expect("unzip runs");
        assert!(content.status.success(), "unzip -p {name} failed");
        summary.push_str(&format!("{}  {name}\n", sha256_hex(&content.stdout)));
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, summary.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// The `hashes` Terraform wrote for `source` in `dir/.terraform.lock.hcl` (empty when the
/// file or the provider's block is missing).
pub fn locked(dir: &Path, source: &str) -> Vec<String> {
    let Ok(lock) = std::fs::read_to_string(dir.join(".terraform.lock.hcl")) else {
        return Vec::new();
    };
    let header = format!("provider \"{source}\" {{");
    let Some(start) = lock.find(&header) else {
        return Vec::new();
    };
    let block = &lock[start..];
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    block
        .split('"')
        .filter(|part| part.starts_with("h1:") || part.starts_with("zh:"))
        .map(str::to_string)
        .collect()
}
