//! Who the plugin is: the few words that name it in messages to people, in its log lines and
//! in its environment. The provider chooses them; nothing else in this crate names a provider.

/// The plugin's identity, passed to [`serve`](crate::serve::serve) and
/// [`logging::init`](crate::logging::init).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginIdentity {
    /// The executable's name, e.g. `terraform-provider-example`, used in messages to people.
    pub name: &'static str,
    /// The provider's registry source address, e.g.
    /// `registry.terraform.io/example-org/example`, used in the `--debug` reattach line.
    pub source_address: &'static str,
    /// The hclog `@module` of every log line, e.g. `provider.example`.
    pub log_module: &'static str,
    /// Crate names whose tracing events pass at the level Terraform asks for (this crate's
    /// own always do); other crates' events pass at WARN and above only, since libraries'
    /// debug output may describe requests, secrets included, in detail.
    pub log_targets: &'static [&'static str],
    /// Environment variable that asks for TCP on loopback instead of a unix socket, e.g.
    /// `EXAMPLE_PLUGIN_TRANSPORT=tcp`.
    pub transport_var: &'static str,
}

impl PluginIdentity {
    /// Whether events of `target` (a module path) are the plugin's own.
    pub fn owns_target(&self, target: &str) -> bool {
        let crate_name = target.split("::").next().unwrap_or(target);
        crate_name == env!("CARGO_CRATE_NAME") || self.log_targets.contains(&crate_name)
    }
}

/// An identity for this crate's own tests.
#[cfg(test)]
pub(crate) const EXAMPLE: PluginIdentity = PluginIdentity {
    name: "terraform-provider-example",
    source_address: "registry.terraform.io/example-org/example",
    log_module: "provider.example",
    log_targets: &["terraform_provider_example"],
    transport_var: "EXAMPLE_PLUGIN_TRANSPORT",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_targets_are_this_crate_and_the_named_ones() {
        let id = EXAMPLE;
        assert!(id.owns_target("terraform_provider_example::resources"));
        assert!(id.owns_target("tfplugin::grpc"));
        assert!(!id.owns_target("terraform_provider_examples"));
        assert!(!id.owns_target("hyper::proto"));
    }
}
