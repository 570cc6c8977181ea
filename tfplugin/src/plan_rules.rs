//! Terraform's rules for planning a resource, applied to values by the attributes' rules
//! (see [`AttributeRules`]): what a create plans unknown, when an update keeps the prior
//! state, which computed values an update cannot promise, what forces a replacement, where
//! defaults fill in (at any depth), and that `timeouts` is what the configuration says. Pure
//! functions of values.
//!
//! Knows values, paths and attribute rules; knows nothing of gRPC or of any provider.

use std::collections::BTreeMap;

use crate::diagnostics::AttributePath;
use crate::model::AttributeRules;
use crate::value::Value;

/// What the rules make of a proposed new state.
#[derive(Clone, Debug, PartialEq)]
pub struct RuledPlan {
    /// The planned state.
    pub planned: Value,
    /// Attributes whose change needs a new object.
    pub requires_replace: Vec<AttributePath>,
    /// A new object is planned: a create, or a replacement.
    pub creating: bool,
    /// On update, the configurable attributes whose planned value differs from the prior
    /// one (empty: the plan is the prior state).
    pub changed: Vec<&'static str>,
}

/// What an absent attribute, element or key reads as.
static NULL: Value = Value::Null;

fn get<'a>(object: &'a Value, name: &str) -> &'a Value {
    object.get(name).unwrap_or(&NULL)
}

/// Plans `proposed` (Terraform's proposed new state: the configuration merged with the prior
/// state) by `rules`. `prior` is null on create.
///
/// - A write-only attribute is planned null: its value is in the configuration only, so it
///   is never a change (nor a replacement) and never a perpetual diff.
/// - `timeouts` is planned as configured, never kept from the prior state.
/// - An attribute with a default the configuration leaves null is planned as the default,
///   at any depth (so it is no unknown value, and no change when the prior state has it).
/// - An attribute with semantic equality keeps its prior value when the new one is the same.
/// - A changed `requires_replace` attribute plans a replacement.
/// - Creating: every computed value the configuration does not set is unknown.
/// - Updating with a change to any configurable attribute: every computed value the
///   configuration does not set is unknown, unless it is kept on update.
/// - Updating with no change: the plan is the prior state.
/// - A `copy_of` attribute that would be planned unknown is planned as the attribute it
///   copies (known, or unknown with what is known about it).
pub fn plan_by_rules(
    rules: &[AttributeRules],
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> RuledPlan {
    let mut planned: BTreeMap<String, Value> = match proposed.peel() {
        Value::Object(m) => m.clone(),
        _ => BTreeMap::new(),
    };
    for r in rules.iter().filter(|r| r.write_only) {
        planned.insert(r.name.to_string(), Value::Null);
    }
    for r in rules.iter().filter(|r| r.timeouts.is_some()) {
        planned.insert(r.name.to_string(), get(config, r.name).clone());
    }
    fill_defaults(rules, &mut planned, config);
    let mut requires_replace = Vec::new();
    let creating = if prior.is_null() {
        true
    } else {
        for r in rules {
            let (old, new) = (
                get(prior, r.name),
                planned.get(r.name).unwrap_or(&Value::Null),
            );
            if let Some(same) = r.same {
                if !old.is_null()
                    && old.is_wholly_known()
                    && !new.is_null()
                    && new.is_wholly_known()
                    && old != new
                    && same(old, new)
                {
                    planned.insert(r.name.to_string(), old.clone());
                }
            }
        }
        for r in rules.iter().filter(|r| r.requires_replace) {
            if planned.get(r.name).unwrap_or(&Value::Null) != get(prior, r.name) {
                requires_replace.push(AttributePath::attr(r.name));
            }
        }
        !requires_replace.is_empty()
    };
    let unset = |r: &AttributeRules| {
        r.computed && r.timeouts.is_none() && r.default.is_none() && get(config, r.name).is_null()
    };
    let mut changed = Vec::new();
    if creating {
        for r in rules.iter().filter(|r| unset(r)) {
            planned.insert(r.name.to_string(), Value::unknown());
        }
    } else {
        // A computed attribute the configuration leaves out is never a change (Terraform
        // proposes null for such nested attributes, where the state has a value).
        changed = rules
            .iter()
            .filter(|r| r.configurable && !unset(r))
            .filter(|r| planned.get(r.name).unwrap_or(&Value::Null) != get(prior, r.name))
            .map(|r| r.name)
            .collect();
        for r in rules.iter().filter(|r| unset(r)) {
            let value = if !changed.is_empty() && !r.keep_on_update {
                Value::unknown()
            } else {
                get(prior, r.name).clone()
            };
            planned.insert(r.name.to_string(), value);
        }
    }
    for r in rules.iter().filter(|r| unset(r)) {
        if let (Some(source), Some(Value::Unknown(_))) = (r.copy_of, planned.get(r.name)) {
            let copy = planned.get(source).cloned().unwrap_or_else(Value::unknown);
            planned.insert(r.name.to_string(), copy);
        }
    }
    RuledPlan {
        planned: Value::Object(planned),
        requires_replace,
        creating,
        changed,
    }
}

/// Plans each default where the configuration leaves its attribute null, and goes on into
/// the nested attributes of what is planned (an object, each element of a list or map).
fn fill_defaults(rules: &[AttributeRules], planned: &mut BTreeMap<String, Value>, config: &Value) {
    for r in rules {
        let configured = get(config, r.name);
        if let (Some(default), true) = (r.default, configured.is_null()) {
            planned.insert(r.name.to_string(), default());
        }
        if let (Some(nested), Some(value)) = (r.nested, planned.get_mut(r.name)) {
            fill_nested_defaults(&nested(), value, configured);
        }
    }
}

fn fill_nested_defaults(rules: &[AttributeRules], planned: &mut Value, config: &Value) {
    match (planned, config.peel()) {
        (Value::Dynamic(_, inner), _) => fill_nested_defaults(rules, inner, config),
        (Value::Object(m), _) => fill_defaults(rules, m, config),
        (Value::List(items), config) => {
            let configured = match config {
                Value::List(c) => c.as_slice(),
                _ => &[],
            };
            for (i, item) in items.iter_mut().enumerate() {
                fill_nested_defaults(rules, item, configured.get(i).unwrap_or(&NULL));
            }
        }
        (Value::Map(items), config) => {
            for (key, item) in items.iter_mut() {
                let configured = match config {
                    Value::Map(c) => c.get(key).unwrap_or(&NULL),
                    _ => &NULL,
                };
                fill_nested_defaults(rules, item, configured);
            }
        }
        _ => {}
    }
}

/// What Terraform proposes for `config` over `prior` (top-level attributes: a computed
/// attribute the configuration leaves null keeps its prior value, a write-only one is
/// null), for tests of resources that want to drive the plan as Terraform does.
pub fn proposed_new_state(rules: &[AttributeRules], prior: &Value, config: &Value) -> Value {
    if config.is_null() {
        return Value::Null;
    }
    let mut proposed: BTreeMap<String, Value> = match config.peel() {
        Value::Object(m) => m.clone(),
        _ => BTreeMap::new(),
    };
    for r in rules.iter().filter(|r| r.computed) {
        if get(config, r.name).is_null() {
            proposed.insert(r.name.to_string(), get(prior, r.name).clone());
        }
    }
    for r in rules.iter().filter(|r| r.write_only) {
        proposed.insert(r.name.to_string(), Value::Null);
    }
    Value::Object(proposed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &'static str) -> AttributeRules {
        AttributeRules {
            name,
            computed: false,
            configurable: true,
            keep_on_update: false,
            requires_replace: false,
            same: None,
            timeouts: None,
            write_only: false,
            default: None,
            nested: None,
            copy_of: None,
        }
    }

    fn rules() -> Vec<AttributeRules> {
        vec![
            AttributeRules {
                computed: true,
                configurable: false,
                keep_on_update: true,
                ..rule("id")
            },
            AttributeRules {
                requires_replace: true,
                ..rule("name")
            },
            AttributeRules {
                same: Some(|a, b| a.as_str().map(str::trim) == b.as_str().map(str::trim)),
                ..rule("text")
            },
            AttributeRules {
                computed: true,
                ..rule("size")
            },
            AttributeRules {
                computed: true,
                configurable: false,
                ..rule("status")
            },
            AttributeRules {
                computed: true,
                timeouts: Some(&[("create", "1m")]),
                ..rule("timeouts")
            },
            AttributeRules {
                write_only: true,
                ..rule("secret_wo")
            },
        ]
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().cloned())
    }

    fn prior() -> Value {
        object(&[
            ("id", Value::string("g-1")),
            ("name", Value::string("world")),
            ("text", Value::string("hello")),
            ("size", Value::from_i64(5)),
            ("status", Value::string("ready")),
            ("timeouts", Value::Null),
            ("secret_wo", Value::Null),
        ])
    }

    fn with(base: &Value, name: &str, value: Value) -> Value {
        let mut m = match base {
            Value::Object(m) => m.clone(),
            _ => BTreeMap::new(),
        };
        m.insert(name.into(), value);
        Value::Object(m)
    }

    /// A configuration that sets `name` and `text` only.
    fn config(name: &str, text: &str) -> Value {
        object(&[
            ("id", Value::Null),
            ("name", Value::string(name)),
            ("text", Value::string(text)),
            ("size", Value::Null),
            ("status", Value::Null),
            ("timeouts", Value::Null),
            ("secret_wo", Value::Null),
        ])
    }

    #[test]
    fn a_create_plans_unset_computed_values_unknown() {
        let cfg = config("world", "hello");
        let p = plan_by_rules(&rules(), &Value::Null, &cfg, &cfg);
        assert!(p.creating && p.requires_replace.is_empty());
        for name in ["id", "size", "status"] {
            assert!(get(&p.planned, name).is_unknown(), "{name}");
        }
        assert_eq!(get(&p.planned, "timeouts"), &Value::Null);
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        // Semantically the same text: no change either.
        let proposed = with(&prior(), "text", Value::string(" hello "));
        let p = plan_by_rules(&rules(), &prior(), &proposed, &config("world", " hello "));
        assert_eq!(p.planned, prior());
        assert!(!p.creating);
    }

    #[test]
    fn a_change_makes_unpromised_computed_values_unknown() {
        let proposed = with(&prior(), "text", Value::string("bye"));
        let p = plan_by_rules(&rules(), &prior(), &proposed, &config("world", "bye"));
        assert_eq!(
            get(&p.planned, "id"),
            &Value::string("g-1"),
            "kept on update"
        );
        assert!(get(&p.planned, "status").is_unknown());
        assert!(
            get(&p.planned, "size").is_unknown(),
            "computed and not configured"
        );
        // A timeouts change alone is a change too, and is planned as configured.
        let t = object(&[("create", Value::string("5m"))]);
        let cfg = with(&config("world", "hello"), "timeouts", t.clone());
        let p = plan_by_rules(&rules(), &prior(), &prior(), &cfg);
        assert_eq!(get(&p.planned, "timeouts"), &t);
        assert!(get(&p.planned, "status").is_unknown());
    }

    #[test]
    fn an_unset_computed_attribute_proposed_null_is_no_change() {
        // Terraform proposes null for an optional+computed nested attribute left out.
        let proposed = with(&prior(), "size", Value::Null);
        let p = plan_by_rules(&rules(), &prior(), &proposed, &config("world", "hello"));
        assert_eq!(p.planned, prior());
        assert!(p.changed.is_empty());
    }

    #[test]
    fn a_requires_replace_change_plans_a_new_object() {
        let proposed = with(&prior(), "name", Value::string("moon"));
        let p = plan_by_rules(&rules(), &prior(), &proposed, &config("moon", "hello"));
        assert!(p.creating);
        assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);
        assert!(get(&p.planned, "id").is_unknown());
    }

    #[test]
    fn a_configured_write_only_value_is_planned_null_and_never_a_change() {
        let cfg = with(
            &config("world", "hello"),
            "secret_wo",
            Value::string("s3cret"),
        );
        // On create, and with Terraform's proposal or one that (wrongly) carries the value.
        let p = plan_by_rules(&rules(), &Value::Null, &cfg, &cfg);
        assert_eq!(get(&p.planned, "secret_wo"), &Value::Null);
        let proposed = proposed_new_state(&rules(), &prior(), &cfg);
        assert_eq!(get(&proposed, "secret_wo"), &Value::Null);
        for proposed in [
            proposed,
            with(&prior(), "secret_wo", Value::string("s3cret")),
        ] {
            let p = plan_by_rules(&rules(), &prior(), &proposed, &cfg);
            assert_eq!(p.planned, prior(), "no change");
            assert!(p.changed.is_empty() && !p.creating);
        }
    }

    /// A model with a defaulted `kind` at the top, and a `policy` object whose `unit` and a
    /// `limits` list whose elements' `unit` have defaults too.
    fn defaulted() -> Vec<AttributeRules> {
        fn unit_rules() -> Vec<AttributeRules> {
            vec![
                AttributeRules {
                    computed: true,
                    default: Some(|| Value::string("DAYS")),
                    ..rule("unit")
                },
                rule("value"),
            ]
        }
        vec![
            AttributeRules {
                computed: true,
                default: Some(|| Value::string("basic")),
                ..rule("kind")
            },
            AttributeRules {
                computed: true,
                nested: Some(unit_rules),
                ..rule("policy")
            },
            AttributeRules {
                nested: Some(unit_rules),
                ..rule("limits")
            },
        ]
    }

    fn unit(unit: Value, value: i64) -> Value {
        object(&[("unit", unit), ("value", Value::from_i64(value))])
    }

    #[test]
    fn defaults_fill_what_the_configuration_leaves_null_at_every_depth() {
        let cfg = object(&[
            ("kind", Value::Null),
            ("policy", unit(Value::Null, 7)),
            (
                "limits",
                Value::List(vec![unit(Value::Null, 1), unit(Value::string("HOURS"), 2)]),
            ),
        ]);
        let p = plan_by_rules(&defaulted(), &Value::Null, &cfg, &cfg);
        assert_eq!(
            get(&p.planned, "kind"),
            &Value::string("basic"),
            "not unknown"
        );
        assert_eq!(get(&p.planned, "policy"), &unit(Value::string("DAYS"), 7));
        assert_eq!(
            get(&p.planned, "limits"),
            &Value::List(vec![
                unit(Value::string("DAYS"), 1),
                unit(Value::string("HOURS"), 2)
            ]),
            "a configured value stays"
        );
        // The prior state holds the defaults; a proposal with nulls where the configuration
        // leaves them out (Terraform 1.0 for nested attributes) is no change.
        let prior = p.planned.clone();
        let p = plan_by_rules(&defaulted(), &prior, &cfg, &cfg);
        assert_eq!(p.planned, prior);
        assert!(p.changed.is_empty() && !p.creating);
        // A configured value replaces the default, and is a change.
        let cfg = with(&cfg, "kind", Value::string("fancy"));
        let p = plan_by_rules(&defaulted(), &prior, &cfg, &cfg);
        assert_eq!(get(&p.planned, "kind"), &Value::string("fancy"));
        assert_eq!(p.changed, vec!["kind"]);
    }

    #[test]
    fn defaults_leave_null_and_unknown_nested_values_alone() {
        for policy in [Value::Null, Value::unknown()] {
            let cfg = object(&[
                ("kind", Value::string("basic")),
                ("policy", policy.clone()),
                ("limits", Value::Null),
            ]);
            let p = plan_by_rules(&defaulted(), &Value::Null, &cfg, &cfg);
            assert!(
                get(&p.planned, "policy").is_unknown(),
                "computed and not configured: unknown on create"
            );
            assert_eq!(get(&p.planned, "limits"), &Value::Null);
        }
    }

    #[test]
    fn a_copy_is_planned_as_what_it_copies_where_it_would_be_unknown() {
        let rules = vec![
            AttributeRules {
                computed: true,
                configurable: false,
                keep_on_update: true,
                copy_of: Some("name"),
                ..rule("id")
            },
            AttributeRules {
                requires_replace: true,
                ..rule("name")
            },
        ];
        let cfg = object(&[("id", Value::Null), ("name", Value::string("world"))]);
        let p = plan_by_rules(&rules, &Value::Null, &cfg, &cfg);
        assert_eq!(get(&p.planned, "id"), &Value::string("world"), "on create");
        let prior = p.planned.clone();
        // A replacement copies the new name; an unknown name is copied as unknown.
        let moon = object(&[("id", Value::Null), ("name", Value::string("moon"))]);
        let p = plan_by_rules(&rules, &prior, &moon, &moon);
        assert!(p.creating);
        assert_eq!(get(&p.planned, "id"), &Value::string("moon"));
        let unknown = object(&[("id", Value::Null), ("name", Value::unknown())]);
        let p = plan_by_rules(&rules, &Value::Null, &unknown, &unknown);
        assert!(get(&p.planned, "id").is_unknown());
    }

    /// The same model nested twice: as an attribute (`as_attribute = { ... }`) and as a
    /// block (`as_block { ... }`).
    #[derive(Clone, Debug, Default, crate::Model)]
    struct Unit {
        #[tf(optional, computed, default = "DAYS")]
        unit: crate::Field<String>,
        #[tf(required)]
        value: crate::Field<i64>,
    }

    #[derive(Clone, Debug, Default, crate::Model)]
    struct Both {
        #[tf(computed)]
        status: crate::Field<String>,
        #[tf(optional, nested)]
        as_attribute: crate::Field<Unit>,
        #[tf(optional, block)]
        as_block: crate::Field<Unit>,
    }

    #[test]
    fn a_block_plans_as_a_configurable_nested_attribute_does() {
        use crate::model::Model;
        let rules = Both::rules();
        let [_, attribute, block] = rules.as_slice() else {
            panic!("three rules");
        };
        assert!(block.configurable && !block.computed && block.nested.is_some());
        assert_eq!(
            format!("{attribute:?}").replace("as_attribute", "x"),
            format!("{block:?}").replace("as_block", "x"),
            "the same rules"
        );
        let both = |v: Value| {
            object(&[
                ("status", Value::Null),
                ("as_attribute", v.clone()),
                ("as_block", v),
            ])
        };
        let planned = |p: &RuledPlan| {
            (
                get(&p.planned, "as_attribute").clone(),
                get(&p.planned, "as_block").clone(),
            )
        };
        // Create: the configuration, with the default filled inside.
        let cfg = both(unit(Value::Null, 7));
        let p = plan_by_rules(&rules, &Value::Null, &cfg, &cfg);
        assert_eq!(
            planned(&p),
            (
                unit(Value::string("DAYS"), 7),
                unit(Value::string("DAYS"), 7)
            )
        );
        // Update: no change, then a change in each, then each left out.
        let prior = with(&p.planned, "status", Value::string("ok"));
        assert_eq!(plan_by_rules(&rules, &prior, &cfg, &cfg).planned, prior);
        for name in ["as_attribute", "as_block"] {
            for new in [unit(Value::string("HOURS"), 7), Value::Null] {
                let cfg = with(&cfg, name, new.clone());
                let p = plan_by_rules(&rules, &prior, &cfg, &cfg);
                assert_eq!(p.changed, vec![name]);
                assert_eq!(get(&p.planned, name), &new);
                assert!(get(&p.planned, "status").is_unknown());
            }
        }
    }

    /// `step { ... }` any number of times, before `name`, which forces a replacement.
    #[derive(Clone, Debug, Default, crate::Model)]
    struct Steps {
        #[tf(computed)]
        status: crate::Field<String>,
        #[tf(optional, block)]
        step: crate::Field<Vec<Unit>>,
        #[tf(required, requires_replace)]
        name: crate::Field<String>,
    }

    #[test]
    fn a_list_of_blocks_plans_each_block_with_its_defaults_and_changes_as_one_attribute() {
        use crate::model::Model;
        let rules = Steps::rules();
        let step = rules.iter().find(|r| r.name == "step").expect("step");
        assert!(step.configurable && !step.computed && !step.requires_replace);
        assert!(step.nested.is_some(), "its blocks' rules reach inside");
        let cfg = |steps: Vec<Value>| {
            object(&[
                ("status", Value::Null),
                ("step", Value::List(steps)),
                ("name", Value::string("n")),
            ])
        };
        // Create: every block gets its default, in order; the computed status is unknown.
        let two = cfg(vec![unit(Value::Null, 1), unit(Value::string("HOURS"), 2)]);
        let p = plan_by_rules(&rules, &Value::Null, &two, &two);
        assert!(p.creating && p.requires_replace.is_empty());
        assert_eq!(
            get(&p.planned, "step"),
            &Value::List(vec![
                unit(Value::string("DAYS"), 1),
                unit(Value::string("HOURS"), 2)
            ])
        );
        assert!(get(&p.planned, "status").is_unknown());
        let prior = with(&p.planned, "status", Value::string("ok"));
        // The same blocks again: the prior state, with no change.
        let p = plan_by_rules(&rules, &prior, &two, &two);
        assert_eq!((p.planned.clone(), p.changed.len()), (prior.clone(), 0));
        // A block changed, one added, the order changed, all removed (none is an empty
        // list): each is a change of `step`, in place, and the status is unknown again.
        for steps in [
            vec![unit(Value::Null, 1), unit(Value::string("HOURS"), 3)],
            vec![
                unit(Value::Null, 1),
                unit(Value::string("HOURS"), 2),
                unit(Value::Null, 3),
            ],
            vec![unit(Value::string("HOURS"), 2), unit(Value::Null, 1)],
            vec![],
        ] {
            let c = cfg(steps);
            let p = plan_by_rules(&rules, &prior, &c, &c);
            assert_eq!(p.changed, vec!["step"], "{c:?}");
            assert!(!p.creating && p.requires_replace.is_empty(), "{c:?}");
            assert!(get(&p.planned, "status").is_unknown());
            let Value::List(planned) = get(&p.planned, "step") else {
                panic!("a list: {p:?}");
            };
            assert!(
                planned.iter().all(|b| get(b, "unit").as_str().is_some()),
                "every block's default is filled: {planned:?}"
            );
        }
        // The blocks kept but the name changed: a replacement, with the blocks as configured.
        let renamed = with(&two, "name", Value::string("m"));
        let p = plan_by_rules(&rules, &prior, &renamed, &renamed);
        assert!(p.creating);
        assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);
        assert_eq!(get(&p.planned, "step"), get(&prior, "step"));
    }
}
