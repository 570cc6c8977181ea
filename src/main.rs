//! The plugin executable: Terraform starts it, it serves the `cloudhsm` provider until
//! Terraform shuts it down. `--debug` serves for a developer, `--version` prints the version.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_cloudhsm::provider::{CloudHsmProvider, IDENTITY};
use tfplugin::handshake::HandshakeError;
use tfplugin::logging;
use tfplugin::serve::{serve, ServeError, ServeOptions};

const USAGE: &str = "\
terraform-provider-cloudhsm: Terraform provider for AWS CloudHSM v2 cluster initialization

Terraform and OpenTofu start this program by themselves; you do not run it by hand.

Options:
  --debug     serve for a debugger and print the TF_REATTACH_PROVIDERS line to export
  --version   print the version and exit
  --help      print this text";

fn main() -> ExitCode {
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--version" | "-version" | "version" => {
                println!("terraform-provider-cloudhsm {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" | "-help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--debug" | "-debug" => debug = true,
            other => {
                eprintln!("terraform-provider-cloudhsm: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    logging::init(IDENTITY);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("terraform-provider-cloudhsm: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = ServeOptions {
        debug,
        identity: IDENTITY,
    };
    match runtime.block_on(serve(Arc::new(CloudHsmProvider::new()), options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(ServeError::Handshake(e @ HandshakeError::NotStartedByTerraform { .. })) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("terraform-provider-cloudhsm: {e}");
            ExitCode::FAILURE
        }
    }
}
