//! Filesystem mirrors for the tests that run HashiCorp's AWS provider beside ours: where the
//! machine keeps the AWS provider, and a mirror holding only our freshly built binary.

use std::path::{Path, PathBuf};

use super::PLATFORM;

/// Where HashiCorp's AWS provider is found as a filesystem mirror
/// (`<dir>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`): `AWS_PROVIDER_MIRROR`,
/// else the usual places.
pub fn aws_mirror() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let candidates = [
        std::env::var_os("AWS_PROVIDER_MIRROR").map(PathBuf::from),
        Some(PathBuf::from("/opt/tf-plugins")),
        home.map(|h| h.join(".terraform.d/plugins")),
        Some(PathBuf::from("/usr/local/share/terraform/plugins")),
        Some(PathBuf::from("/usr/share/terraform/plugins")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("registry.terraform.io/hashicorp/aws").is_dir());
    if found.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but HashiCorp's AWS provider is in no filesystem mirror here (set \
             AWS_PROVIDER_MIRROR to a directory holding registry.terraform.io/hashicorp/aws/...)"
        );
    }
    if found.is_none() {
        eprintln!("SKIPPED: no filesystem mirror of hashicorp/aws; set AWS_PROVIDER_MIRROR");
    }
    found
}

/// A filesystem mirror holding only our freshly built provider, at the crate's version.
pub fn our_mirror(dir: &Path) -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let mirror = dir.join("mirror");
    let target = mirror.join(format!(
        "registry.terraform.io/cloudhsm-iac/cloudhsm/{version}/{PLATFORM}"
    ));
    std::fs::create_dir_all(&target).expect("mirror dir");
    std::fs::copy(
        super::provider_binary(),
        target.join(format!(
            "terraform-provider-cloudhsm_v{version}{}",
            std::env::consts::EXE_SUFFIX
        )),
    )
    .expect("copy the provider into the mirror");
    mirror
}

/// A Terraform CLI configuration at `dir/terraformrc` that installs our provider from
/// [`our_mirror`] and the AWS provider from `aws` (a filesystem mirror). Returns its path.
pub fn write_mirrors_config(dir: &Path, aws: &Path) -> PathBuf {
    let cli_config = dir.join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/cloudhsm-iac/cloudhsm\"]\n  }}\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
            super::hcl_path(&our_mirror(dir)),
            super::hcl_path(aws)
        ),
    )
    .expect("cli config");
    cli_config
}
