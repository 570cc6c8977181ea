use super::*;
use crate::config::{Behaviour, Timings};
use crate::pki::Authorities;

#[test]
fn ids_look_like_aws_ids() {
    let id = new_id("cluster");
    assert_eq!(id.len(), "cluster-".len() + 11);
    assert!(id["cluster-".len()..]
        .bytes()
        .all(|b| ID_ALPHABET.contains(&b)));
    assert_eq!(new_hex_id("eni").len(), "eni-".len() + 17);
}

#[test]
fn csr_is_only_visible_while_uninitialized_with_an_active_hsm() {
    let auth = Authorities::new().expect("authorities");
    let mut store = Store::new(
        Timings::instant(),
        Behaviour::default(),
        "us-east-1".into(),
        "vpc-1".into(),
        Authorities::new().expect("authorities"),
    );
    let mut c = store.blank_cluster(
        "cluster-abcdefghijk".into(),
        ("us-east-1".into(), "123456789012".into()),
        "hsm1.medium".into(),
        "vpc-1".into(),
        &["subnet-0123456789abcdef0".to_string()],
    );
    let hsm = Store::new_hsm(&c, "us-east-1a", None, "CREATE_IN_PROGRESS", None);
    c.material = Some(crate::pki::cluster_material(&hsm.id, &auth).expect("material"));
    c.hsms.push(hsm);
    assert!(c.visible_csr().is_none(), "HSM not active yet");
    c.hsms[0].state = "ACTIVE".into();
    assert!(c.visible_csr().is_some());
    c.set_state("INITIALIZED");
    assert!(c.visible_csr().is_none());
}
