//! Who the provider is, through the real Terraform CLI against the emulator's STS: a CI job's
//! OIDC token (`assume_role_with_web_identity`, from the block or from `AWS_ROLE_ARN` /
//! `AWS_WEB_IDENTITY_TOKEN_FILE` through the standard chain), `assume_role` on top of it,
//! and the account guards (`allowed_account_ids`, `forbidden_account_ids`), which STS
//! GetCallerIdentity answers at configure, before any CloudHSM call; and an IAM Identity
//! Center (SSO) profile, whose portal call goes through the proxy like the rest; and an EC2
//! instance's role from the metadata service at `ec2_metadata_service_endpoint` (the
//! emulator's IMDSv2), directly and as a profile's `credential_source`. The token never
//! appears in the output or the provider's log.

mod support;

use cloudhsm_emulator::{ClusterSpec, Control, Emulator, TokenRefusal};
use support::{flat, InterceptingProxy, ProxyOptions, Run, Workspace};

const ACCOUNT: &str = "111122223333";
const CI_ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";
const ADMIN_ROLE: &str = "arn:aws:iam::111122223333:role/cloudhsm-admin";
/// A token shaped like the JWT a CI system's OIDC provider issues.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmNvcnAvaHNtOnJlZjpyZWZzL2hlYWRzL21haW4iLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJlLW9mLXRoZS1jaS1zeXN0ZW0";

struct Identity {
    emulator: Emulator,
    control: Control,
    ws: Workspace,
    cluster: String,
}

impl Identity {
    async fn start() -> Option<Identity> {
        let (emulator, control, ws) = support::setup(None).await?;
        // In the region every provider block here signs for.
        let cluster = control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            region: Some("eu-west-1".into()),
            ..Default::default()
        });
        ws.write_file("token.jwt", &format!("{TOKEN}\n"));
        Some(Identity {
            emulator,
            control,
            ws,
            cluster,
        })
    }

    fn token_file(&self) -> String {
        support::hcl_path(&self.ws.dir.path().join("token.jwt"))
    }

    /// `main.tf` with a provider block of `arguments` in the cluster's region (no keys), its
    /// endpoints at the emulator, and a data source reading the cluster.
    fn write(&self, arguments: &str) {
        self.write_without_region(&format!("  region = \"eu-west-1\"\n{arguments}"));
    }

    /// [`Identity::write`] with no `region`: `arguments` alone.
    fn write_without_region(&self, arguments: &str) {
        self.ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n{arguments}\n  endpoints {{\n    cloudhsmv2 = \"{}\"\n    sts        = \"{}\"\n  }}\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{}\"\n}}\n",
            Workspace::required_providers(),
            self.emulator.endpoint_url(),
            self.emulator.sts_endpoint_url(),
            self.cluster
        ));
    }

    /// A TLS-intercepting proxy relaying the real CloudHSM and STS endpoint names to the
    /// emulator (`None` without mitmdump outside CI).
    fn proxy(&self) -> Option<InterceptingProxy> {
        let routes = [
            ("cloudhsmv2", self.emulator.local_addr()),
            ("sts", self.emulator.sts_local_addr()),
        ];
        InterceptingProxy::start(&routes, ProxyOptions::default())
    }

    /// `main.tf` with a provider block of `arguments` that reaches the real endpoint names
    /// through `proxy`, trusting its CA, and a data source reading the cluster.
    fn write_through(&self, proxy: &InterceptingProxy, arguments: &str) {
        self.ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n  region           = \"eu-west-1\"\n  https_proxy      = \"{}\"\n  custom_ca_bundle = \"{}\"\n{arguments}\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{}\"\n}}\n",
            Workspace::required_providers(),
            proxy.url(),
            support::hcl_path(&proxy.ca_certificate_path()),
            self.cluster
        ));
    }

    fn plan(&self, env: &[(&str, &str)]) -> Run {
        let mut env = env.to_vec();
        env.push(("TF_LOG_PROVIDER", "debug"));
        let run = self
            .ws
            .run_with_env(&["plan", "-no-color", "-input=false"], &env);
        assert!(
            !run.all().contains(TOKEN),
            "the token reached the output or the log"
        );
        assert!(
            !run.all().contains("c2lnbmF0dXJlLW9mLXRoZS1jaS1zeXN0ZW0"),
            "part of the token reached the output or the log"
        );
        run
    }

    /// The roles behind the keys that signed each DescribeClusters call.
    fn describe_roles(&self) -> Vec<Option<String>> {
        self.signers("DescribeClusters")
    }

    /// The roles behind the keys that signed each `operation` call (`None`: not a role).
    fn signers(&self, operation: &str) -> Vec<Option<String>> {
        self.control
            .access_keys(operation)
            .iter()
            .map(|k| self.control.assumed_role_of(k))
            .collect()
    }
}

fn block(fields: &str) -> String {
    format!("  assume_role_with_web_identity {{\n{fields}\n  }}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ci_job_assumes_its_role_with_the_oidc_token_file_in_an_allowed_account() {
    let Some(id) = Identity::start().await else {
        return;
    };
    id.write(&format!(
        "  allowed_account_ids = [\"{ACCOUNT}\", \"444455556666\"]\n{}",
        block(&format!(
            "    role_arn                = \"{CI_ROLE}\"\n    web_identity_token_file = \"{}\"\n    session_name            = \"gha-run-42\"\n    duration                = \"2h\"",
            id.token_file()
        ))
    ));
    id.plan(&[]).ok();
    let calls = id.control.calls("AssumeRoleWithWebIdentity");
    assert!(!calls.is_empty(), "no AssumeRoleWithWebIdentity");
    assert_eq!(calls[0]["RoleArn"], CI_ROLE);
    assert_eq!(calls[0]["RoleSessionName"], "gha-run-42");
    assert_eq!(calls[0]["DurationSeconds"], "7200");
    assert_eq!(
        calls[0]["WebIdentityToken"], TOKEN,
        "the file's token, trimmed"
    );
    // The guard asked STS who the role is, and CloudHSM was called as the role.
    assert!(id.control.call_count("GetCallerIdentity") >= 1);
    let roles = id.describe_roles();
    assert!(!roles.is_empty());
    assert!(
        roles.iter().all(|r| r.as_deref() == Some(CI_ROLE)),
        "{roles:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_given_as_a_value_then_assume_role_on_top() {
    let Some(id) = Identity::start().await else {
        return;
    };
    id.write(&format!(
        "{}\n  assume_role {{\n    role_arn            = \"{ADMIN_ROLE}\"\n    policy_arns         = [\"arn:aws:iam::aws:policy/AWSCloudHSMFullAccess\"]\n    tags                = {{ team = \"pki\", ticket = \"CHG-1234\" }}\n    transitive_tag_keys = [\"team\"]\n    source_identity     = \"alice@corp.example\"\n  }}",
        block(&format!(
            "    role_arn           = \"{CI_ROLE}\"\n    web_identity_token = file(\"{}\")",
            id.token_file()
        ))
    ));
    id.plan(&[]).ok();
    // Web identity first, then the role, assumed with the web identity's credentials.
    let assumers = id.signers("AssumeRole");
    assert_eq!(
        assumers.first().cloned().flatten().as_deref(),
        Some(CI_ROLE),
        "{assumers:?}"
    );
    let roles = id.describe_roles();
    assert!(
        roles.iter().all(|r| r.as_deref() == Some(ADMIN_ROLE)),
        "{roles:?}"
    );
    // Everything the block says reaches STS, as the AWS provider sends it.
    let call = id
        .control
        .calls("AssumeRole")
        .pop()
        .expect("an AssumeRole call");
    for (field, want) in [
        ("RoleArn", ADMIN_ROLE),
        ("RoleSessionName", "terraform-provider-cloudhsm"),
        ("SourceIdentity", "alice@corp.example"),
        ("TransitiveTagKeys.member.1", "team"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "pki"),
        ("Tags.member.2.Key", "ticket"),
        (
            "PolicyArns.member.1.arn",
            "arn:aws:iam::aws:policy/AWSCloudHSMFullAccess",
        ),
    ] {
        assert_eq!(call[field].as_str(), Some(want), "{field}: {call}");
    }
    assert!(call.get("TransitiveTagKeys.member.2").is_none(), "{call}");

    // A source identity STS would refuse is a plan-time error on its attribute, before any
    // call.
    let before = id.control.call_count("AssumeRoleWithWebIdentity");
    id.write(&format!(
        "{}\n  assume_role {{\n    role_arn        = \"{ADMIN_ROLE}\"\n    source_identity = \"alice smith\"\n  }}",
        block(&format!(
            "    role_arn           = \"{CI_ROLE}\"\n    web_identity_token = file(\"{}\")",
            id.token_file()
        ))
    ));
    let text = flat(&id.plan(&[]).fails().all());
    assert!(text.contains("Invalid source identity"), "{text}");
    assert!(text.contains("source_identity"), "{text}");
    assert_eq!(id.control.call_count("AssumeRoleWithWebIdentity"), before);
}

/// A role reached only through another: two `assume_role` blocks, as the AWS provider takes
/// them, each role assumed with the credentials of the one before.
const HOP_ROLE: &str = "arn:aws:iam::444455556666:role/organization-access";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_assume_role_blocks_are_a_chain_each_role_assumed_by_the_one_before() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let keys = "  access_key = \"AKIDUSERKEY\"\n  secret_key = \"user-secret\"";
    id.write(&format!(
        "{keys}\n  assume_role {{\n    role_arn     = \"{HOP_ROLE}\"\n    session_name = \"hop\"\n  }}\n  assume_role {{\n    role_arn     = \"{ADMIN_ROLE}\"\n    session_name = \"admin\"\n  }}"
    ));
    id.plan(&[]).ok();
    let calls = id.control.calls("AssumeRole");
    let asked: Vec<&str> = calls.iter().filter_map(|c| c["RoleArn"].as_str()).collect();
    assert_eq!(asked, [HOP_ROLE, ADMIN_ROLE], "in the blocks' order");
    let signers = id.signers("AssumeRole");
    assert_eq!(
        signers,
        [None, Some(HOP_ROLE.to_string())],
        "the first role by the user's key, the second by the first role's session"
    );
    let roles = id.describe_roles();
    assert!(
        !roles.is_empty() && roles.iter().all(|r| r.as_deref() == Some(ADMIN_ROLE)),
        "CloudHSM is called as the last role: {roles:?}"
    );

    // A second role for more than the hour STS gives a chained session: a plan-time error
    // on that block's duration, before any call.
    let before = id.control.call_count("AssumeRole");
    id.write(&format!(
        "{keys}\n  assume_role {{\n    role_arn = \"{HOP_ROLE}\"\n  }}\n  assume_role {{\n    role_arn = \"{ADMIN_ROLE}\"\n    duration = \"2h\"\n  }}"
    ));
    let text = flat(&id.plan(&[]).fails().all());
    assert!(
        text.contains("Session too long for a chained role"),
        "{text}"
    );
    assert!(text.contains("at most 1 hour"), "{text}");
    assert_eq!(id.control.call_count("AssumeRole"), before);

    // A block whose role_arn is null assumes nothing, as in the AWS provider (a variable
    // whose default is no role).
    id.write(&format!(
        "{keys}\n  assume_role {{\n    role_arn = null\n  }}\n  assume_role {{\n    role_arn = \"{ADMIN_ROLE}\"\n  }}"
    ));
    id.plan(&[]).ok();
    let calls = id.control.calls("AssumeRole");
    assert_eq!(calls.len(), before + 1, "one role assumed");
    assert_eq!(
        calls.last().and_then(|c| c["RoleArn"].as_str()),
        Some(ADMIN_ROLE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_chain_and_the_block_take_the_role_and_token_file_from_the_environment() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let file = id.token_file();
    let env = [
        ("AWS_ROLE_ARN", CI_ROLE),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", file.as_str()),
        ("AWS_ROLE_SESSION_NAME", "from-the-environment"),
    ];
    // No block at all: the SDK's own chain finds the web identity.
    id.write("");
    let sts = id.emulator.sts_endpoint_url();
    let mut chain_env = env.to_vec();
    chain_env.push(("AWS_ENDPOINT_URL_STS", sts.as_str()));
    id.plan(&chain_env).ok();
    assert!(id
        .describe_roles()
        .iter()
        .all(|r| r.as_deref() == Some(CI_ROLE)));
    // An empty block takes each argument from the environment, as the AWS provider does.
    id.control.clear_calls();
    id.write(&block(""));
    id.plan(&env).ok();
    let calls = id.control.calls("AssumeRoleWithWebIdentity");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["RoleSessionName"], "from-the-environment");
    assert!(id
        .describe_roles()
        .iter()
        .all(|r| r.as_deref() == Some(CI_ROLE)));
    // Without a role anywhere, the block says what is missing.
    id.write(&block(""));
    let text = flat(
        &id.plan(&[("AWS_WEB_IDENTITY_TOKEN_FILE", &file)])
            .fails()
            .all(),
    );
    assert!(text.contains("no role to assume"), "{text}");
    assert!(text.contains("AWS_ROLE_ARN"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_not_allowed_or_forbidden_is_refused_before_any_cloudhsm_call() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let web = block(&format!(
        "    role_arn                = \"{CI_ROLE}\"\n    web_identity_token_file = \"{}\"",
        id.token_file()
    ));
    id.write(&format!(
        "  allowed_account_ids = [\"444455556666\"]\n{web}"
    ));
    let text = flat(&id.plan(&[]).fails().all());
    assert!(text.contains("AWS account not allowed"), "{text}");
    assert!(
        text.contains(&format!("belong to account {ACCOUNT}")),
        "{text}"
    );
    assert!(
        text.contains("not in allowed_account_ids (444455556666)"),
        "{text}"
    );

    id.write(&format!("  forbidden_account_ids = [\"{ACCOUNT}\"]\n{web}"));
    let text = flat(&id.plan(&[]).fails().all());
    assert!(text.contains("AWS account forbidden"), "{text}");
    assert!(
        text.contains(&format!("forbidden_account_ids lists ({ACCOUNT})")),
        "{text}"
    );

    // Keys of an IAM user: the account STS reports for them.
    id.control.set_default_account("999988887777");
    id.write("  access_key = \"AKIDUSERKEY\"\n  secret_key = \"user-secret\"\n  allowed_account_ids = [\"111122223333\"]");
    let text = flat(&id.plan(&[]).fails().all());
    assert!(text.contains("belong to account 999988887777"), "{text}");
    assert_eq!(
        id.control.call_count("DescribeClusters"),
        0,
        "CloudHSM was called"
    );
    id.write("  access_key = \"AKIDUSERKEY\"\n  secret_key = \"user-secret\"\n  allowed_account_ids = [\"999988887777\"]");
    id.plan(&[]).ok();
    assert!(id.control.call_count("DescribeClusters") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_guard_and_web_identity_arguments_are_errors_on_the_argument_before_any_call() {
    let Some(id) = Identity::start().await else {
        return;
    };
    id.write(&format!(
        "  access_key = \"AKIDUSERKEY\"\n  secret_key = \"user-secret\"\n  allowed_account_ids = [\"1234\"]\n  forbidden_account_ids = [\"{ACCOUNT}\"]\n{}",
        block(&format!(
            "    role_arn = \"arn:aws:iam::1:role/x\"\n    web_identity_token = \"t0ken-value\"\n    web_identity_token_file = \"{}\"\n    duration = \"13h\"\n    policy = \"not json\"",
            id.token_file()
        ))
    ));
    let run = id.ws.run(&["validate", "-no-color"]).fails();
    let text = flat(&run.all());
    for expected in [
        "Conflicting account guards",
        "\"1234\" is not an AWS account id",
        "Two sources of credentials",
        "Invalid role ARN",
        "Conflicting web identity tokens",
        "from 15m to 12h",
        "Invalid session policy",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(!text.contains("t0ken-value\" is"), "{text}");
    assert_eq!(
        id.control.all_calls().len(),
        0,
        "something was called: {:?}",
        id.control.all_calls()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_says_so_without_showing_it() {
    let Some(id) = Identity::start().await else {
        return;
    };
    id.control
        .refuse_web_identity_token(TOKEN, TokenRefusal::Invalid);
    id.write(&block(&format!(
        "    role_arn                = \"{CI_ROLE}\"\n    web_identity_token_file = \"{}\"",
        id.token_file()
    )));
    let text = flat(&id.plan(&[]).fails().all());
    assert!(text.contains("could not get AWS credentials"), "{text}");
    assert!(text.contains("InvalidIdentityToken"), "{text}");
    assert_eq!(id.control.call_count("DescribeClusters"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_and_the_guard_go_through_the_proxy_like_every_other_call() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let Some(proxy) = id.proxy() else {
        return;
    };
    id.write_through(
        &proxy,
        &format!(
            "  allowed_account_ids = [\"{ACCOUNT}\"]\n{}",
            block(&format!(
                "    role_arn                = \"{CI_ROLE}\"\n    web_identity_token_file = \"{}\"",
                id.token_file()
            ))
        ),
    );
    id.plan(&[]).ok();
    let sts_ops: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.host_header.as_deref() == Some("sts.eu-west-1.amazonaws.com"))
        .filter_map(|r| r.operation().map(str::to_string))
        .collect();
    assert!(
        sts_ops.contains(&"AssumeRoleWithWebIdentity".to_string()),
        "{sts_ops:?}"
    );
    assert!(
        sts_ops.contains(&"GetCallerIdentity".to_string()),
        "{sts_ops:?}"
    );
    assert!(id
        .describe_roles()
        .iter()
        .all(|r| r.as_deref() == Some(CI_ROLE)));
    assert_eq!(
        id.control
            .hosts("DescribeClusters")
            .first()
            .cloned()
            .flatten()
            .as_deref(),
        Some("cloudhsmv2.eu-west-1.amazonaws.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_region_sends_every_sts_call_to_that_regions_endpoint_signed_for_it() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let Some(proxy) = id.proxy() else {
        return;
    };
    // The AWS provider's block as a module author copies it: sts_region, the skip_* flags
    // that change nothing here, and retry_mode.
    id.write_through(
        &proxy,
        &format!(
            "  sts_region              = \"us-east-1\"\n  retry_mode              = \"adaptive\"\n  skip_metadata_api_check = true\n  skip_region_validation  = true\n  allowed_account_ids     = [\"{ACCOUNT}\"]\n{}\n  assume_role {{\n    role_arn = \"{ADMIN_ROLE}\"\n  }}",
            block(&format!(
                "    role_arn                = \"{CI_ROLE}\"\n    web_identity_token_file = \"{}\"",
                id.token_file()
            ))
        ),
    );
    id.plan(&[]).ok();
    let requests = proxy.requests();
    let sts: Vec<(Option<String>, Option<String>, Option<String>)> = requests
        .iter()
        .filter(|r| r.action.is_some())
        .map(|r| {
            (
                r.operation().map(str::to_string),
                r.host_header.clone(),
                r.signing_region.clone(),
            )
        })
        .collect();
    let ops: Vec<&str> = sts.iter().filter_map(|(op, _, _)| op.as_deref()).collect();
    for op in [
        "AssumeRoleWithWebIdentity",
        "AssumeRole",
        "GetCallerIdentity",
    ] {
        assert!(ops.contains(&op), "no {op} among {sts:?}");
    }
    for (op, host, region) in &sts {
        assert_eq!(
            host.as_deref(),
            Some("sts.us-east-1.amazonaws.com"),
            "{op:?}"
        );
        // AssumeRoleWithWebIdentity is not signed (the token is the credential).
        if op.as_deref() != Some("AssumeRoleWithWebIdentity") {
            assert_eq!(region.as_deref(), Some("us-east-1"), "{op:?}");
        }
    }
    // CloudHSM stays in the clusters' region, with the role assumed through STS in us-east-1.
    assert_eq!(
        id.control
            .signing_regions("DescribeClusters")
            .first()
            .cloned()
            .flatten()
            .as_deref(),
        Some("eu-west-1")
    );
    assert!(id
        .describe_roles()
        .iter()
        .all(|r| r.as_deref() == Some(ADMIN_ROLE)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_metadata_api_check_never_asks_the_instance_metadata_service() {
    let Some(id) = Identity::start().await else {
        return;
    };
    // A stand-in for the instance metadata service that counts who knocks and answers 404.
    let imds =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port for the IMDS stand-in");
    let endpoint = format!("http://{}", imds.local_addr().expect("its address"));
    let knocks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    {
        let knocks = knocks.clone();
        std::thread::spawn(move || {
            for stream in imds.incoming().flatten() {
                knocks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut buf);
                let _ = std::io::Write::write_all(
                    &mut stream,
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
    }
    // No credentials anywhere, and the metadata service allowed by the environment: only the
    // argument keeps the provider from asking it.
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str()),
    ];
    let count = || knocks.load(std::sync::atomic::Ordering::SeqCst);
    id.write("  max_retries = 0");
    let text = flat(&id.plan(&env).fails().all());
    assert!(
        count() > 0,
        "without the argument the chain asks the metadata service: {text}"
    );
    let before = count();
    id.write("  max_retries = 0\n  skip_metadata_api_check = true");
    let text = flat(&id.plan(&env).fails().all());
    assert!(text.to_lowercase().contains("credentials"), "{text}");
    assert_eq!(count(), before, "the metadata service was asked: {text}");
    assert_eq!(id.control.call_count("DescribeClusters"), 0);
}

/// The role of the EC2 instance (its instance profile) that the metadata service hands out.
const INSTANCE_ROLE: &str = "arn:aws:iam::111122223333:role/ci-runner";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_metadata_service_endpoint_gives_the_instance_role_and_region() {
    let Some(id) = Identity::start().await else {
        return;
    };
    // The emulator's metadata service (IMDSv2), as an instance in eu-west-1 with a role.
    id.control.attach_instance_role(INSTANCE_ROLE, "eu-west-1");
    // A self-hosted CI runner on EC2 whose metadata service is not at 169.254.169.254; the
    // environment's endpoint (nothing listens there) must lose to the argument.
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
    ];
    let write = |extra: &str| {
        id.write_without_region(&format!(
            "  ec2_metadata_service_endpoint = \"{}\"\n{extra}",
            id.emulator.endpoint_url()
        ));
    };
    // No region and no credentials in the block or the environment: both from the service.
    write("");
    id.plan(&env).ok();
    assert!(id.control.call_count("InstanceMetadata") > 0);
    let describes = id.control.call_records("DescribeClusters");
    assert!(!describes.is_empty());
    for call in &describes {
        let key = call.access_key_id.as_deref().unwrap_or_default();
        assert_eq!(
            id.control.assumed_role_of(key).as_deref(),
            Some(INSTANCE_ROLE),
            "DescribeClusters not signed with the instance role's credentials"
        );
        assert_eq!(call.region.as_deref(), Some("eu-west-1"));
    }
    // Every metadata request asked with a session token: no IMDSv1 fallback was needed.
    let paths: Vec<String> = id
        .control
        .calls("InstanceMetadata")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["method"].as_str().unwrap_or(""),
                c["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        paths.contains(&"PUT /latest/api/token".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"GET /latest/meta-data/placement/region".to_string()),
        "{paths:?}"
    );

    // A profile that assumes a role with the instance's credentials
    // (`credential_source = Ec2InstanceMetadata`) asks the same service.
    let config = id.ws.dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile deploy]\nrole_arn = {ADMIN_ROLE}\ncredential_source = Ec2InstanceMetadata\n\
             region = eu-west-1\nendpoint_url = {}\n",
            id.emulator.sts_endpoint_url()
        ),
    )
    .expect("write the shared config file");
    let before = id.control.call_count("InstanceMetadata");
    write(&format!(
        "  profile             = \"deploy\"\n  shared_config_files = [\"{}\"]",
        support::hcl_path(&config)
    ));
    id.plan(&env).ok();
    assert!(id.control.call_count("InstanceMetadata") > before);
    let assume = id.control.call_records("AssumeRole");
    let signer = assume
        .last()
        .and_then(|c| c.access_key_id.clone())
        .unwrap_or_default();
    assert_eq!(
        id.control.assumed_role_of(&signer).as_deref(),
        Some(INSTANCE_ROLE),
        "AssumeRole not signed with the instance role's credentials"
    );
    assert_eq!(
        id.describe_roles().last().cloned().flatten().as_deref(),
        Some(ADMIN_ROLE)
    );

    // skip_metadata_api_check turns the service off for that profile too: an error that
    // says so, and no request to the service, even where the environment names it.
    let before = id.control.call_count("InstanceMetadata");
    let metadata = id.emulator.endpoint_url();
    let reachable = [
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.as_str()),
    ];
    write(&format!(
        "  profile             = \"deploy\"\n  shared_config_files = [\"{}\"]\n  skip_metadata_api_check = true",
        support::hcl_path(&config)
    ));
    let said = flat(&id.plan(&reachable).fails().all());
    assert!(
        said.contains("credential_source = Ec2InstanceMetadata")
            && said.contains("skip_metadata_api_check"),
        "{said}"
    );
    assert_eq!(id.control.call_count("InstanceMetadata"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_whose_list_is_unknown_at_plan_time_defers_without_calling_sts() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let tf = support::terraform().expect("terraform");
    if support::terraform_version(&tf) < (1, 4, 0) {
        eprintln!(
            "not applicable: terraform_data needs Terraform 1.4 (this is {:?})",
            support::terraform_version(&tf)
        );
        return;
    }
    // A resource (a data source would be read at plan time, which needs the client).
    id.ws.write_raw(&format!(
        "{}\nprovider \"cloudhsm\" {{\n  region = \"eu-west-1\"\n  access_key = \"AKIDUSERKEY\"\n  secret_key = \"user-secret\"\n  allowed_account_ids = [terraform_data.account.output]\n  endpoints {{\n    cloudhsmv2 = \"{}\"\n    sts        = \"{}\"\n  }}\n}}\n\n\
         resource \"terraform_data\" \"account\" {{\n  input = \"{}\"\n}}\n\n\
         resource \"cloudhsm_cluster_config\" \"this\" {{\n  cluster_id = \"{}\"\n}}\n",
        Workspace::required_providers(),
        id.emulator.endpoint_url(),
        id.emulator.sts_endpoint_url(),
        cloudhsm_emulator::DEFAULT_ACCOUNT,
        id.cluster
    ));
    id.plan(&[]).ok();
    assert_eq!(
        id.control.call_count("GetCallerIdentity"),
        0,
        "STS was asked while the list was unknown"
    );
    id.ws.apply().ok();
    assert!(id.control.call_count("GetCallerIdentity") >= 1);
}

/// An IAM Identity Center (SSO) session, as a module author on a laptop has one after
/// `aws sso login`: the shared config names the start URL, the account and the permission
/// set, and the SDK's cache holds the access token.
struct SsoProfile {
    home: std::path::PathBuf,
    config: std::path::PathBuf,
}

const SSO_START_URL: &str = "https://corp-hsm.awsapps.com/start";
const SSO_ROLE: &str = "CloudHsmAdmin";
const SSO_TOKEN: &str = "aoaAAAAAGf-sso-access-token-of-the-laptop-5e1f";

impl SsoProfile {
    fn write(ws: &Workspace) -> SsoProfile {
        let home = ws.dir.path().join("home");
        let cache = home.join(".aws/sso/cache");
        std::fs::create_dir_all(&cache).expect("sso cache dir");
        // The SDK finds the token under the SHA-1 of the start URL, as the AWS CLI writes it.
        let digest = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            SSO_START_URL.as_bytes(),
        );
        let name: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            cache.join(format!("{name}.json")),
            format!(
                "{{\"startUrl\": \"{SSO_START_URL}\", \"region\": \"eu-west-1\", \
                 \"accessToken\": \"{SSO_TOKEN}\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}}"
            ),
        )
        .expect("cached token");
        let config = ws.dir.path().join("aws-config");
        std::fs::write(
            &config,
            format!(
                "[profile hsm-admins]\nsso_start_url = {SSO_START_URL}\nsso_region = eu-west-1\n\
                 sso_account_id = {ACCOUNT}\nsso_role_name = {SSO_ROLE}\nregion = eu-west-1\n"
            ),
        )
        .expect("aws config");
        SsoProfile { home, config }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOME", self.home.display().to_string()),
            ("USERPROFILE", self.home.display().to_string()),
            ("AWS_CONFIG_FILE", self.config.display().to_string()),
        ]
    }
}

/// An SSO profile, named by `profile` or by `AWS_PROFILE`, through a TLS-inspecting proxy:
/// the SDK's call to the SSO portal goes through the proxy and trusts its CA like the
/// CloudHSM and STS calls, and the guard sees the SSO account. A token the portal does not
/// accept (expired, or from another login) is refused with what to do, never shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_profile_gets_its_credentials_through_the_proxy_too() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let routes = [
        ("cloudhsmv2", id.emulator.local_addr()),
        ("sts", id.emulator.sts_local_addr()),
        ("portal", id.emulator.local_addr()),
    ];
    let Some(proxy) = InterceptingProxy::start(&routes, ProxyOptions::default()) else {
        return;
    };
    let sso = SsoProfile::write(&id.ws);
    let env_owned = sso.env();
    let env: Vec<(&str, &str)> = env_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let write = |profile: &str| {
        id.ws.write_raw(&format!(
            "{}\nprovider \"cloudhsm\" {{\n{profile}  https_proxy         = \"{}\"\n  custom_ca_bundle    = \"{}\"\n  allowed_account_ids = [\"{ACCOUNT}\"]\n}}\n\n\
             data \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{}\"\n}}\n",
            Workspace::required_providers(),
            proxy.url(),
            support::hcl_path(&proxy.ca_certificate_path()),
            id.cluster
        ));
    };
    let sso_role_of_describes = || {
        let roles = id.describe_roles();
        assert!(!roles.is_empty(), "no DescribeClusters call");
        for role in roles {
            let role = role.unwrap_or_default();
            assert!(
                role.starts_with(&format!(
                    "arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{SSO_ROLE}_"
                )),
                "DescribeClusters not signed with the SSO role's credentials: {role:?}"
            );
        }
    };

    // Refused first: the laptop's token is not (or no longer) one the portal knows.
    write("  profile             = \"hsm-admins\"\n");
    let refused = id.plan(&env).fails();
    let text = flat(&refused.all());
    assert!(!text.contains(SSO_TOKEN), "the SSO token was shown");
    assert!(
        text.contains("Session token not found or invalid")
            && text.contains("aws sso login --profile"),
        "the refusal does not say what failed and what to do: {text}"
    );
    assert_eq!(id.control.call_count("DescribeClusters"), 0);

    id.control.allow_sso_token(SSO_TOKEN);
    id.plan(&env).ok();
    sso_role_of_describes();
    let portal: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.host_header.as_deref() == Some("portal.sso.eu-west-1.amazonaws.com"))
        .collect();
    assert!(
        !portal.is_empty(),
        "the SSO portal call did not go through the proxy:\n{}",
        proxy.output()
    );
    let asked = &id.control.calls("GetRoleCredentials")[1];
    assert_eq!(asked["accountId"], ACCOUNT);
    assert_eq!(asked["roleName"], SSO_ROLE);

    // The same profile from AWS_PROFILE, with no profile argument: the standard chain.
    id.control.clear_calls();
    write("");
    let mut with_profile = env.clone();
    with_profile.push(("AWS_PROFILE", "hsm-admins"));
    id.plan(&with_profile).ok();
    sso_role_of_describes();
    assert!(id.control.call_count("GetRoleCredentials") >= 1);
    assert!(id.control.call_count("GetCallerIdentity") >= 1);
}

/// `shared_config_files` and `shared_credentials_files`, as the AWS provider takes them: read
/// instead of the default files, `~` the home directory; a file that is not there is an
/// error on the argument before any call, and an empty path one at plan time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_config_and_credentials_files_replace_the_default_ones() {
    let Some(id) = Identity::start().await else {
        return;
    };
    let home = id.ws.dir.path().join("home");
    std::fs::create_dir_all(home.join("corp")).expect("home");
    std::fs::write(
        home.join("corp/aws-config"),
        "[profile ops]\nregion = eu-west-1\n",
    )
    .expect("config");
    let credentials = id.ws.dir.path().join("ops-credentials");
    std::fs::write(
        &credentials,
        "[ops]\naws_access_key_id = AKIDSHAREDFILES\naws_secret_access_key = shared-files-secret\n",
    )
    .expect("credentials");
    let env = [
        ("HOME", home.display().to_string()),
        ("USERPROFILE", home.display().to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let block = |config: &str| {
        format!(
            "  profile                  = \"ops\"\n  shared_config_files      = [\"{config}\"]\n  shared_credentials_files = [\"{}\"]",
            support::hcl_path(&credentials)
        )
    };

    id.write(&block("~/corp/aws-config"));
    id.plan(&env).ok();
    let keys = id.control.access_keys("DescribeClusters");
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k == "AKIDSHAREDFILES"),
        "{keys:?}"
    );

    id.control.clear_calls();
    id.write(&block("~/corp/no-such-config"));
    let missing = id.plan(&env).fails();
    let text = flat(&missing.all());
    assert!(
        text.contains(
            "shared_config_files names \"~/corp/no-such-config\", which is not a file here"
        ),
        "{text}"
    );
    assert_eq!(id.control.call_count("DescribeClusters"), 0);

    id.write(&block(""));
    let empty = id.ws.run_with_env(&["validate", "-no-color"], &env).fails();
    assert!(
        flat(&empty.all()).contains("shared_config_files holds an empty path"),
        "{}",
        empty.all()
    );
}
