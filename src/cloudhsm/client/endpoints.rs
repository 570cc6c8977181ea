//! Which endpoint each service is called at: a configured one (the `endpoints` argument,
//! else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, unless
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true) wins over everything, FIPS and dual-stack
//! included; otherwise the SDK's endpoint rules pick the region's endpoint in its partition
//! (`amazonaws.com`, `amazonaws.com.cn`, GovCloud, ISO...), FIPS and dual-stack as asked.
//! The name is worked out here with those same rules, for messages and the log.
//!
//! Knows the SDK's endpoint resolvers and the environment; nothing of credentials.

use aws_sdk_cloudhsmv2::config::endpoint::ResolveEndpoint as _;
use aws_types::os_shim_internal::Env;

/// A service the provider calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    CloudHsm,
    Sts,
}

impl Service {
    /// The provider argument that sets the endpoint.
    fn argument(self) -> &'static str {
        match self {
            Service::CloudHsm => "endpoints.cloudhsmv2",
            Service::Sts => "endpoints.sts",
        }
    }

    /// The service's own environment variable.
    fn variable(self) -> &'static str {
        match self {
            Service::CloudHsm => "AWS_ENDPOINT_URL_CLOUDHSM_V2",
            Service::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }

    /// The endpoint's host name prefix, for a name the rules cannot give.
    fn prefix(self) -> &'static str {
        match self {
            Service::CloudHsm => "cloudhsmv2",
            Service::Sts => "sts",
        }
    }
}

/// An endpoint URL given by the user, and the setting it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configured {
    pub url: String,
    pub setting: &'static str,
}

/// Where a service is called, and why there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The endpoint the user configured, if any (it wins over FIPS and dual-stack).
    pub configured: Option<Configured>,
    /// The URL requests go to.
    pub url: String,
    /// The setting that picks it (the configured one's, else the argument that would).
    pub setting: &'static str,
}

/// Where `service` is called: the configured endpoint (`argument`, else its environment
/// variables), else the one the SDK's rules give `region` with these flags.
pub async fn endpoint(
    service: Service,
    argument: Option<&str>,
    env: &Env,
    region: &str,
    fips: bool,
    dual_stack: bool,
) -> Endpoint {
    let configured = configured(argument, service.argument(), service.variable(), env);
    let url = match &configured {
        Some(c) => c.url.clone(),
        None => rules_url(service, region, fips, dual_stack)
            .await
            .unwrap_or_else(|| format!("https://{}.{region}.amazonaws.com", service.prefix())),
    };
    let setting = configured
        .as_ref()
        .map_or(service.argument(), |c| c.setting);
    Endpoint {
        configured,
        url,
        setting,
    }
}

/// The endpoint the user configured for a service: `argument` (named `argument_name`),
/// else `service_variable`, else `AWS_ENDPOINT_URL`.
fn configured(
    argument: Option<&str>,
    argument_name: &'static str,
    service_variable: &'static str,
    env: &Env,
) -> Option<Configured> {
    if let Some(url) = argument.filter(|u| !u.trim().is_empty()) {
        return Some(Configured {
            url: url.to_string(),
            setting: argument_name,
        });
    }
    let ignored = env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignored {
        return None;
    }
    [service_variable, "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|name| {
            env.get(name)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .map(|url| Configured { url, setting: name })
        })
}

/// The URL the SDK's rules give `service` in `region` (STS: its regional endpoint).
async fn rules_url(service: Service, region: &str, fips: bool, dual_stack: bool) -> Option<String> {
    match service {
        Service::CloudHsm => {
            use aws_sdk_cloudhsmv2::config::endpoint::{DefaultResolver, Params};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dual_stack)
                .build()
                .ok()?;
            let found = DefaultResolver::new()
                .resolve_endpoint(&params)
                .await
                .ok()?;
            Some(found.url().to_string())
        }
        Service::Sts => {
            use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint as _};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dual_stack)
                .use_global_endpoint(false)
                .build()
                .ok()?;
            let found = DefaultResolver::new()
                .resolve_endpoint(&params)
                .await
                .ok()?;
            Some(found.url().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_partition_gets_its_own_names() {
        let cases = [
            (
                "us-east-1",
                false,
                false,
                "https://cloudhsmv2.us-east-1.amazonaws.com",
            ),
            (
                "eu-west-1",
                true,
                false,
                "https://cloudhsmv2-fips.eu-west-1.amazonaws.com",
            ),
            (
                "eu-west-1",
                false,
                true,
                "https://cloudhsmv2.eu-west-1.api.aws",
            ),
            (
                "cn-north-1",
                false,
                false,
                "https://cloudhsmv2.cn-north-1.amazonaws.com.cn",
            ),
            (
                "us-gov-west-1",
                false,
                false,
                "https://cloudhsmv2.us-gov-west-1.amazonaws.com",
            ),
            (
                "us-gov-west-1",
                true,
                false,
                "https://cloudhsmv2-fips.us-gov-west-1.amazonaws.com",
            ),
        ];
        for (region, fips, dual, want) in cases {
            assert_eq!(
                rules_url(Service::CloudHsm, region, fips, dual)
                    .await
                    .as_deref(),
                Some(want),
                "{region} fips={fips} dual-stack={dual}"
            );
        }
        assert_eq!(
            rules_url(Service::Sts, "cn-northwest-1", false, false)
                .await
                .as_deref(),
            Some("https://sts.cn-northwest-1.amazonaws.com.cn")
        );
    }

    #[test]
    fn the_argument_wins_then_the_service_variable_then_the_global_one() {
        let env = Env::from_slice(&[
            ("AWS_ENDPOINT_URL_CLOUDHSM_V2", "http://service.test"),
            ("AWS_ENDPOINT_URL", "http://global.test"),
        ]);
        let pick = |arg: Option<&str>, env: &Env| {
            configured(
                arg,
                "endpoints.cloudhsmv2",
                "AWS_ENDPOINT_URL_CLOUDHSM_V2",
                env,
            )
        };
        assert_eq!(
            pick(Some("http://arg.test"), &env).map(|c| c.setting),
            Some("endpoints.cloudhsmv2")
        );
        assert_eq!(
            pick(None, &env).map(|c| c.url),
            Some("http://service.test".into())
        );
        let global = Env::from_slice(&[("AWS_ENDPOINT_URL", "http://global.test")]);
        assert_eq!(
            pick(None, &global).map(|c| c.setting),
            Some("AWS_ENDPOINT_URL")
        );
        let ignored = Env::from_slice(&[
            ("AWS_ENDPOINT_URL", "http://global.test"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(pick(None, &ignored), None);
        assert!(pick(Some("http://arg.test"), &ignored).is_some());
    }
}
