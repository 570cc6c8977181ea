//! The networks CloudHSM users have, through the real Terraform CLI: a real TLS-intercepting
//! proxy on loopback (mitmproxy, `support::InterceptingProxy`) with its own CA relays to the
//! emulator, and the provider is given no endpoint override, so it must resolve the real
//! endpoint name for the region (FIPS, dual-stack, GovCloud, China), go through the proxy,
//! sign for the region, and trust the proxy's CA from a bundle, from the provider block, the
//! environment or the shared config file, as the AWS provider reads them. Then what a user
//! sees when the network is not right: a proxy that wants credentials, cannot be reached or
//! hangs, a CA that is not trusted, a bundle that is missing or empty, a name that does not
//! resolve; none hangs, and no password appears anywhere.

mod support;

use std::net::SocketAddr;

use cloudhsm_emulator::{ClusterSpec, Control, Emulator};
use support::{flat, ClosedPort, InterceptingProxy, ProxyOptions, Run, SilentProxy, Workspace};

/// The region of most tests, and its CloudHSM endpoint name.
const REGION: &str = "eu-west-1";
const CLOUDHSM_HOST: &str = "cloudhsmv2.eu-west-1.amazonaws.com";
const PROXY_USER: &str = "alice";
const PROXY_PASSWORD: &str = "pr0xy-s3cret";

/// The emulator, a workspace, and a proxy relaying every CloudHSM and STS endpoint name
/// (standard and FIPS) to it.
struct Net {
    _emulator: Emulator,
    control: Control,
    ws: Workspace,
    proxy: InterceptingProxy,
}

impl Net {
    async fn start(options: ProxyOptions) -> Option<Net> {
        let tf = support::terraform()?;
        let emulator = support::emulator(None).await;
        let routes = routes(emulator.local_addr(), emulator.sts_local_addr());
        let proxy = InterceptingProxy::start(&routes, options)?;
        let control = emulator.control();
        let ws = Workspace::new(tf, &emulator.endpoint_url());
        Some(Net {
            _emulator: emulator,
            control,
            ws,
            proxy,
        })
    }

    /// A seeded ACTIVE cluster's id, in the region most tests sign for ([`REGION`]).
    fn cluster(&self) -> String {
        self.cluster_in(REGION)
    }

    /// A seeded ACTIVE cluster's id in `region`: only calls signed for it see the cluster.
    fn cluster_in(&self, region: &str) -> String {
        self.control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            region: Some(region.into()),
            ..Default::default()
        })
    }

    /// Writes `main.tf`: the provider block with test credentials and `arguments`, and a
    /// data source reading `cluster_id` with its state as an output.
    fn write(&self, arguments: &str, cluster_id: &str) {
        self.ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n{arguments}\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{cluster_id}\"\n}}\n\n\
             output \"state\" {{\n  value = data.cloudhsm_cluster.this.state\n}}\n",
            Workspace::required_providers()
        ));
    }

    fn apply_with_env(&self, env: &[(&str, &str)]) -> Run {
        self.ws.run_with_env(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            env,
        )
    }

    fn ca(&self) -> String {
        self.proxy.ca_certificate_path().display().to_string()
    }

    /// [`through`] this proxy, with its CA.
    fn through_proxy(&self) -> String {
        through(&self.proxy.url(), &self.ca())
    }

    /// The CONNECT targets and (host, signing region) of the CloudHSM requests the proxy saw.
    fn cloudhsm_requests(&self) -> Vec<(String, Option<String>)> {
        self.proxy
            .requests()
            .into_iter()
            .filter(|r| r.signing_service.as_deref() == Some("cloudhsm"))
            .map(|r| (r.host_header.unwrap_or_default(), r.signing_region))
            .collect()
    }
}

fn routes(cloudhsm: SocketAddr, sts: SocketAddr) -> Vec<(&'static str, SocketAddr)> {
    vec![
        ("cloudhsmv2", cloudhsm),
        ("cloudhsmv2-fips", cloudhsm),
        ("sts", sts),
        ("sts-fips", sts),
    ]
}

/// A region, the provider block's endpoint flags, the environment, and the endpoint name.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);

/// HCL for a string.
fn hcl(s: &str) -> String {
    format!("{s:?}")
}

/// The provider block's lines for an inspecting proxy: `https_proxy` is `proxy`, and
/// `custom_ca_bundle` the bundle at `ca` that has its CA.
fn through(proxy: &str, ca: &str) -> String {
    format!(
        "  https_proxy = {}\n  custom_ca_bundle = {}",
        hcl(proxy),
        hcl(ca)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_tls_inspecting_proxy_with_its_ca_from_the_provider_block() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    net.write(
        &format!("  region = \"{REGION}\"\n{}", net.through_proxy()),
        &id,
    );
    let run = net.apply_with_env(&[]).ok();
    assert!(run.stdout.contains("state = \"ACTIVE\""), "{}", run.all());
    let seen = net.cloudhsm_requests();
    assert!(
        !seen.is_empty(),
        "the proxy saw no CloudHSM request:\n{}",
        net.proxy.output()
    );
    for (host, region) in &seen {
        assert_eq!(host, CLOUDHSM_HOST);
        assert_eq!(region.as_deref(), Some(REGION));
    }
    assert!(
        net.proxy
            .connect_targets()
            .contains(&format!("{CLOUDHSM_HOST}:443")),
        "{:?}",
        net.proxy.connect_targets()
    );
    // The emulator answered what the proxy relayed, under the real name, signed for the
    // region.
    assert!(net.control.call_count("DescribeClusters") >= 1);
    for host in net.control.hosts("DescribeClusters") {
        assert_eq!(host.as_deref(), Some(CLOUDHSM_HOST));
    }
    for region in net.control.signing_regions("DescribeClusters") {
        assert_eq!(region.as_deref(), Some(REGION));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_through_the_proxy_too() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    net.ws.write_raw(&format!(
        "{}\nprovider \"cloudhsm\" {{\n  region = \"{REGION}\"\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n{}\n}}\n\n\
         resource \"cloudhsm_cluster_config\" \"this\" {{\n  cluster_id = \"{id}\"\n  backup_retention_policy = {{\n    value = 30\n  }}\n}}\n",
        Workspace::required_providers(),
        net.through_proxy()
    ));
    net.ws.apply().ok();
    assert_eq!(net.control.call_count("ModifyCluster"), 1);
    let modified = net
        .proxy
        .requests()
        .into_iter()
        .filter(|r| r.operation() == Some("ModifyCluster"))
        .count();
    assert_eq!(modified, 1, "ModifyCluster did not go through the proxy");
}

/// A proxy that takes TLS from its clients (`https://` proxy URL): the provider speaks TLS to
/// the proxy, trusting the proxy's own certificate from the same CA bundle as the
/// inspecting CA, then tunnels to CloudHSM inside that TLS session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_proxy_url_speaks_tls_to_the_proxy_itself() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let front = support::TlsFront::start(net.proxy.local_addr());
    let bundle = net.ws.dir.path().join("corp-cas.pem");
    std::fs::write(
        &bundle,
        format!("{}\n{}", net.proxy.ca_certificate_pem(), front.ca_pem()),
    )
    .expect("bundle");
    let id = net.cluster();
    net.write(
        &format!(
            "  region = \"{REGION}\"\n{}",
            through(&front.url(), &support::hcl_path(&bundle))
        ),
        &id,
    );
    let run = net.apply_with_env(&[]).ok();
    assert!(run.stdout.contains("state = \"ACTIVE\""), "{}", run.all());
    assert!(front.handshakes() >= 1, "no TLS session with the proxy");
    let seen = net.cloudhsm_requests();
    assert!(!seen.is_empty(), "the proxy saw no CloudHSM request");
    assert!(
        seen.iter().all(|(host, _)| host == CLOUDHSM_HOST),
        "{seen:?}"
    );

    // Without the proxy's CA in the bundle, the TLS session with the proxy is refused, and
    // the error says which proxy.
    let only_mitm = net.ws.dir.path().join("mitm-only.pem");
    std::fs::write(&only_mitm, net.proxy.ca_certificate_pem()).expect("bundle");
    net.write(
        &format!(
            "  region = \"{REGION}\"\n{}",
            through(&front.url(), &support::hcl_path(&only_mitm))
        ),
        &id,
    );
    let refused = net.apply_with_env(&[]).fails();
    let text = flat(&refused.all());
    assert!(
        text.contains(&format!(
            "TLS to the proxy {} or, through it, to {CLOUDHSM_HOST}",
            front.url()
        )),
        "{text}"
    );
    assert!(text.contains("custom_ca_bundle"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_as_curl_and_the_aws_sdks_spell_it_and_arguments_win() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    let proxy = net.proxy.url();
    let ca = net.ca();
    net.write(&format!("  region = \"{REGION}\""), &id);
    // Lower-case https_proxy and AWS_CA_BUNDLE, as CI images often set them.
    net.apply_with_env(&[("https_proxy", &proxy), ("AWS_CA_BUNDLE", &ca)])
        .ok();
    // Capitals, and the proxy without a scheme, as curl reads it.
    let bare = proxy.trim_start_matches("http://").to_string();
    net.apply_with_env(&[("HTTPS_PROXY", &bare), ("AWS_CA_BUNDLE", &ca)])
        .ok();
    // The arguments win over an environment that names a proxy that does not exist.
    let nowhere = ClosedPort::new();
    net.write(
        &format!("  region = \"{REGION}\"\n{}", through(&proxy, &ca)),
        &id,
    );
    net.apply_with_env(&[
        ("HTTPS_PROXY", &nowhere.url()),
        ("AWS_CA_BUNDLE", "/nonexistent/bundle.pem"),
    ])
    .ok();
    let hosts: Vec<String> = net
        .cloudhsm_requests()
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert!(hosts.len() >= 3, "{hosts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_bundle_and_fips_of_the_shared_config_profile() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster_in("us-gov-west-1");
    let config = net.ws.dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile corp]\nregion = us-gov-west-1\nca_bundle = {}\nuse_fips_endpoint = true\n",
            net.ca()
        ),
    )
    .expect("write the shared config file");
    net.write(
        &format!(
            "  profile = \"corp\"\n  https_proxy = {}",
            hcl(&net.proxy.url())
        ),
        &id,
    );
    net.apply_with_env(&[("AWS_CONFIG_FILE", &config.display().to_string())])
        .ok();
    let seen = net.cloudhsm_requests();
    assert!(!seen.is_empty());
    for (host, region) in &seen {
        assert_eq!(host, "cloudhsmv2-fips.us-gov-west-1.amazonaws.com");
        assert_eq!(region.as_deref(), Some("us-gov-west-1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_partition_fips_and_dual_stack_get_their_own_endpoint_signed_for_the_region() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let via = net.through_proxy();
    let fips_env = [("AWS_USE_FIPS_ENDPOINT", "true")];
    let dual_stack_env = [("AWS_USE_DUALSTACK_ENDPOINT", "true")];
    let cases: [Case; 6] = [
        (
            "us-gov-west-1",
            "use_fips_endpoint = true",
            &[],
            "cloudhsmv2-fips.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            "",
            &[],
            "cloudhsmv2.us-gov-east-1.amazonaws.com",
        ),
        (
            "cn-north-1",
            "",
            &[],
            "cloudhsmv2.cn-north-1.amazonaws.com.cn",
        ),
        (
            "eu-west-1",
            "use_dualstack_endpoint = true",
            &[],
            "cloudhsmv2.eu-west-1.api.aws",
        ),
        // The environment's settings when the block says nothing, and the block's over them.
        (
            "us-east-2",
            "",
            &fips_env,
            "cloudhsmv2-fips.us-east-2.amazonaws.com",
        ),
        (
            "us-east-1",
            "use_fips_endpoint = false\n  use_dualstack_endpoint = false",
            &[fips_env[0], dual_stack_env[0]],
            "cloudhsmv2.us-east-1.amazonaws.com",
        ),
    ];
    for (region, flags, env, host) in cases {
        // The cluster lives in the region the provider block signs for.
        let id = net.cluster_in(region);
        net.write(&format!("  region = \"{region}\"\n  {flags}\n{via}"), &id);
        net.apply_with_env(env).ok();
        let last = net.cloudhsm_requests().pop().expect("a CloudHSM request");
        assert_eq!(last.0, host, "{region} {flags} {env:?}");
        assert_eq!(last.1.as_deref(), Some(region), "{region} {flags} {env:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_endpoint_wins_over_fips_and_dual_stack() {
    let Some((emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        region: Some(REGION.into()),
        ..Default::default()
    });
    ws.write_raw(&format!(
        "{}\nprovider \"cloudhsm\" {{\n  region = \"eu-west-1\"\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n  use_fips_endpoint = true\n  use_dualstack_endpoint = true\n  endpoints {{ cloudhsmv2 = \"{}\" }}\n}}\n\n\
         data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{id}\"\n}}\n",
        Workspace::required_providers(),
        emulator.endpoint_url()
    ));
    ws.apply().ok();
    assert!(control.call_count("DescribeClusters") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_proxy_sends_the_hosts_it_names_directly_as_go_reads_it() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    // An endpoint under `.invalid` (never resolves): the proxy relays it to the emulator, and
    // a request that skips the proxy fails to resolve it, so each case shows which way the
    // request went.
    let host = "cloudhsmv2.emulator.invalid";
    let write = |no_proxy: &str| {
        net.write(
            &format!(
                "  region = \"{REGION}\"\n  max_retries = 0\n{}\n  endpoints {{ cloudhsmv2 = \"https://{host}\" }}\n{no_proxy}",
                net.through_proxy()
            ),
            &id,
        )
    };
    let tunnels = || {
        net.proxy
            .connect_targets()
            .iter()
            .filter(|t| t.as_str() == format!("{host}:443"))
            .count()
    };
    let through_the_proxy = |env: &[(&str, &str)], case: &str| {
        let before = tunnels();
        let run = net.apply_with_env(env).ok();
        assert!(
            run.stdout.contains("state = \"ACTIVE\""),
            "{case}: {}",
            run.all()
        );
        assert!(tunnels() > before, "{case}: no tunnel to {host}");
    };
    let directly = |env: &[(&str, &str)], case: &str, why: &str| {
        let before = tunnels();
        let text = flat(&net.apply_with_env(env).fails().all());
        assert!(
            text.contains(&format!("the endpoint name {host} does not resolve")),
            "{case}: {text}"
        );
        assert!(
            text.contains(&format!(
                "{host} is reached directly, not through the proxy {}, because {why}",
                net.proxy.url()
            )),
            "{case}: {text}"
        );
        assert_eq!(tunnels(), before, "{case}: went through the proxy");
    };

    write("");
    // Another port, another host, a suffix that is not a label boundary: still the proxy.
    through_the_proxy(
        &[(
            "NO_PROXY",
            &format!("{host}:8443, example.com, mulator.invalid"),
        )],
        "other port",
    );
    // Its port (Go's rule: an entry with a port matches that port only).
    directly(
        &[("no_proxy", &format!("{host}:443"))],
        "entry with its port",
        "the environment variable no_proxy names it",
    );
    // A parent domain, as `*.` and as `.`, and in capitals.
    directly(
        &[("NO_PROXY", "*.emulator.invalid")],
        "star-dot suffix",
        "the environment variable NO_PROXY names it",
    );
    directly(
        &[("NO_PROXY", " .EMULATOR.INVALID ")],
        "dot suffix",
        "the environment variable NO_PROXY names it",
    );
    // A leading dot is the names under it only, as in Go.
    through_the_proxy(
        &[("NO_PROXY", &format!(".{host}"))],
        "dot before the host itself",
    );
    // The argument wins over the environment, either way.
    write("  no_proxy = \"emulator.invalid\"");
    directly(
        &[("NO_PROXY", "example.com")],
        "argument over the environment",
        "the provider argument no_proxy names it",
    );
    write("  no_proxy = \"\"");
    through_the_proxy(&[("NO_PROXY", "*")], "empty argument over NO_PROXY=*");
    assert!(net.control.call_count("DescribeClusters") >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_endpoint_never_takes_the_proxy() {
    let Some((emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        region: Some(REGION.into()),
        ..Default::default()
    });
    // A corporate HTTP_PROXY and HTTPS_PROXY that do not exist here, and no NO_PROXY: the
    // emulator on localhost and on 127.0.0.1 is still reached (Go's rule, so the offline demo
    // runs on such a laptop).
    let nowhere = ClosedPort::new();
    let env = [
        ("HTTP_PROXY", nowhere.url()),
        ("HTTPS_PROXY", nowhere.url()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for endpoint in [
        emulator.endpoint_url(),
        emulator.endpoint_url().replace("127.0.0.1", "localhost"),
    ] {
        ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n  region = \"eu-west-1\"\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n  max_retries = 0\n  endpoints {{ cloudhsmv2 = \"{endpoint}\" }}\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{id}\"\n}}\n",
            Workspace::required_providers(),
        ));
        ws.run_with_env(&["plan", "-no-color", "-input=false"], &env)
            .ok();
    }
    assert!(control.call_count("DescribeClusters") >= 2);
    drop(emulator);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_wants_credentials_gets_them_from_the_url_and_never_shows_them() {
    let Some(net) = Net::start(ProxyOptions {
        basic_auth: Some((PROXY_USER.into(), PROXY_PASSWORD.into())),
    })
    .await
    else {
        return;
    };
    let id = net.cluster();
    let ca = net.ca();
    let debug = [("TF_LOG_PROVIDER", "debug")];

    net.write(
        &format!(
            "  region = \"{REGION}\"\n  max_retries = 0\n{}",
            through(&net.proxy.url(), &ca)
        ),
        &id,
    );
    let refused = net.apply_with_env(&debug).fails();
    let text = flat(&refused.all());
    assert!(text.contains("407 Proxy Authentication Required"), "{text}");
    assert!(text.contains(&net.proxy.url()), "names the proxy: {text}");
    assert!(
        text.contains(&format!("{CLOUDHSM_HOST}:443")),
        "names the endpoint: {text}"
    );
    assert!(
        text.contains("http://USER:PASSWORD@host:port"),
        "says what to do: {text}"
    );

    let with = net.proxy.url_with_credentials();
    let wrong = with.replace(PROXY_PASSWORD, "not-the-password");
    net.write(
        &format!(
            "  region = \"{REGION}\"\n  max_retries = 0\n{}",
            through(&wrong, &ca)
        ),
        &id,
    );
    let refused = net.apply_with_env(&debug).fails();
    let text = flat(&refused.all());
    assert!(
        text.contains("although its URL carries credentials"),
        "{text}"
    );
    assert!(
        text.contains(&format!("http://{PROXY_USER}:***@")),
        "{text}"
    );
    assert!(
        !text.contains("not-the-password"),
        "a password was shown: {text}"
    );

    net.write(
        &format!("  region = \"{REGION}\"\n{}", through(&with, &ca)),
        &id,
    );
    let run = net.apply_with_env(&debug).ok();
    assert!(
        !run.all().contains(PROXY_PASSWORD),
        "the password reached the output or a log"
    );
    // From the environment too, and never in a message when it fails.
    net.write(
        &format!("  region = \"{REGION}\"\n  custom_ca_bundle = {}", hcl(&ca)),
        &id,
    );
    let run = net
        .apply_with_env(&[("HTTPS_PROXY", &with), ("TF_LOG_PROVIDER", "trace")])
        .ok();
    assert!(!run.all().contains(PROXY_PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_ca_that_is_not_trusted_is_named_with_what_to_change() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    net.write(
        &format!(
            "  region = \"{REGION}\"\n  max_retries = 0\n  https_proxy = {}",
            hcl(&net.proxy.url())
        ),
        &id,
    );
    let failed = net.apply_with_env(&[]).fails();
    let text = flat(&failed.all());
    assert!(
        text.contains(&format!("TLS to {CLOUDHSM_HOST} failed")),
        "{text}"
    );
    assert!(text.contains("does not trust"), "{text}");
    assert!(text.contains("custom_ca_bundle"), "{text}");
    assert!(text.contains("AWS_CA_BUNDLE"), "{text}");
    assert_eq!(
        net.control.call_count("DescribeClusters"),
        0,
        "nothing reached CloudHSM"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_bundle_that_is_missing_or_holds_no_certificate_is_an_error_on_its_argument() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    let proxy = hcl(&net.proxy.url());
    net.write(
        &format!("  region = \"{REGION}\"\n  https_proxy = {proxy}\n  custom_ca_bundle = \"/nonexistent/corp-ca.pem\""),
        &id,
    );
    let text = flat(&net.apply_with_env(&[]).fails().all());
    assert!(text.contains("/nonexistent/corp-ca.pem"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    assert!(text.contains("custom_ca_bundle"), "{text}");

    net.ws.write_file("empty.pem", "# our CA goes here\n");
    let empty = net.ws.dir.path().join("empty.pem").display().to_string();
    let text = flat(
        &net.apply_with_env(&[("AWS_CA_BUNDLE", &empty)])
            .fails()
            .all(),
    );
    // The argument still wins: the missing file, not the empty one, is the error.
    assert!(text.contains("/nonexistent/corp-ca.pem"), "{text}");
    net.write(
        &format!("  region = \"{REGION}\"\n  https_proxy = {proxy}"),
        &id,
    );
    let text = flat(
        &net.apply_with_env(&[("AWS_CA_BUNDLE", &empty)])
            .fails()
            .all(),
    );
    assert!(text.contains(&empty), "{text}");
    assert!(text.contains("holds no PEM certificate"), "{text}");
    assert!(text.contains("AWS_CA_BUNDLE"), "{text}");
    assert_eq!(net.control.call_count("DescribeClusters"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_cannot_be_reached_or_hangs_and_a_name_that_does_not_resolve() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    let id = control.seed_cluster(ClusterSpec {
        region: Some(REGION.into()),
        ..Default::default()
    });
    let write = |arguments: &str| {
        ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n  region = \"{REGION}\"\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n  max_retries = 0\n{arguments}\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{id}\"\n}}\n",
            Workspace::required_providers(),
        ));
    };
    let plan = || ws.run(&["plan", "-no-color", "-input=false"]).fails();

    let closed = ClosedPort::new();
    write(&format!("  https_proxy = {}", hcl(&closed.url())));
    let text = flat(&plan().all());
    assert!(
        text.contains(&format!("cannot connect to the proxy {}", closed.url())),
        "{text}"
    );
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("the provider argument https_proxy"), "{text}");

    let silent = SilentProxy::start();
    write(&format!("  https_proxy = {}", hcl(&silent.url())));
    let started = std::time::Instant::now();
    let text = flat(&plan().all());
    assert!(
        text.contains("no answer within 10 s from the proxy"),
        "{text}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "it hung"
    );
    assert!(
        silent
            .received()
            .iter()
            .any(|r| r.starts_with(&format!("CONNECT {CLOUDHSM_HOST}:443"))),
        "{:?}",
        silent.received()
    );

    write("  endpoints { cloudhsmv2 = \"https://cloudhsmv2.nowhere.invalid\" }");
    let text = flat(&plan().all());
    assert!(
        text.contains("the endpoint name cloudhsmv2.nowhere.invalid does not resolve"),
        "{text}"
    );
    assert!(text.contains("endpoints.cloudhsmv2"), "{text}");
    assert_eq!(control.call_count("DescribeClusters"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_proxy_arguments_are_plan_time_errors_on_the_argument() {
    let Some((emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec {
        region: Some(REGION.into()),
        ..Default::default()
    });
    ws.write_raw(&format!(
        "{}\nprovider \"cloudhsm\" {{\n  region = \"{REGION}\"\n  access_key = \"AKIDNETWORKTEST\"\n  secret_key = \"test-secret-key\"\n  https_proxy = \"socks5://bob:hunter2@proxy.corp:1080\"\n  endpoints {{ cloudhsmv2 = \"{}\" }}\n}}\n\n\
         data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{id}\"\n}}\n",
        Workspace::required_providers(),
        emulator.endpoint_url()
    ));
    let run = ws.run(&["validate", "-no-color"]).fails();
    let text = flat(&run.all());
    assert!(text.contains("SOCKS proxies"), "{text}");
    assert!(
        text.contains(
            "\"socks5://bob:***@proxy.corp:1080\" from the provider argument https_proxy"
        ),
        "{text}"
    );
    // Terraform quotes the configuration's own line; our message never repeats the password.
    assert_eq!(text.matches("hunter2").count(), 1, "{text}");
    assert_eq!(control.call_count("DescribeClusters"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_alone_also_carries_https_with_the_aws_providers_warning() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    net.write(
        &format!(
            "  region = \"{REGION}\"\n  http_proxy = {}\n  custom_ca_bundle = {}",
            hcl(&net.proxy.url()),
            hcl(&net.ca())
        ),
        &id,
    );
    let run = net.apply_with_env(&[]).ok();
    let text = flat(&run.all());
    assert!(text.contains("Missing HTTPS proxy"), "{text}");
    assert!(!net.cloudhsm_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_machines_own_trust_store_and_its_standard_overrides_are_trusted() {
    let Some(net) = Net::start(ProxyOptions::default()).await else {
        return;
    };
    let id = net.cluster();
    // No bundle anywhere: the CA is trusted because the machine's store says so, here
    // through SSL_CERT_FILE as on Linux (the store is the operating system's, not a list
    // built into the binary).
    net.write(
        &format!(
            "  region = \"{REGION}\"\n  https_proxy = {}",
            hcl(&net.proxy.url())
        ),
        &id,
    );
    net.apply_with_env(&[("SSL_CERT_FILE", &net.ca())]).ok();
    assert!(!net.cloudhsm_requests().is_empty());
}
