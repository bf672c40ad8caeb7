//! Every answer the owner gives survives the socket: serialized and read back, it is the
//! same document (a field that does not round-trip would break only attached front ends).

use keyward::engine::EngineConfig;
use keyward::ops::{Query, Reply, Request};
use keyward::owner::Owner;
use keyward::vault::{Cause, Generator, SecretValue};

use crate::support::vault::Sandbox;

#[test]
fn every_query_answer_round_trips_through_json() {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        keyward::cli::demo::seed(tx)?;
        tx.add_connection(
            "acme",
            "http://127.0.0.1:9",
            None,
            "sbp_1111111111111111111111111111111111111111",
        )?;
        tx.add_target("aaaaaaaaaaaaaaaaaaaa", "prod", "acme", "acme")?;
        tx.map(
            "billing-api",
            "Database",
            "aaaaaaaaaaaaaaaaaaaa",
            None,
            false,
            None,
        )?;
        tx.map(
            "billing-api",
            "Stripe secret key",
            "aaaaaaaaaaaaaaaaaaaa",
            Some("STRIPE"),
            false,
            None,
        )?;
        tx.record_failed(
            "aaaaaaaaaaaaaaaaaaaa",
            &[("STRIPE".into(), "refused".into())],
            None,
            &|_| 5,
        )?;
        tx.set_policy(
            "web-app",
            "Session secret",
            None,
            1000,
            Generator::Hex { len: 8 },
        )?;
        tx.set_value("web-app", "gone", &SecretValue::simple("x"), Cause::Edit)?;
        tx.trash("web-app", "gone")?;
        tx.create_access_key("ci", &["web-app"], true)?;
        Ok(())
    })
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let owner = Owner::transient(v, EngineConfig::default());
    let (p, n) = ("billing-api".to_string(), "Database".to_string());
    let queries = vec![
        Query::Projects,
        Query::Secrets { project: None },
        Query::Secret {
            project: p.clone(),
            name: n.clone(),
        },
        Query::Reveal {
            project: p.clone(),
            name: n.clone(),
            field: None,
            version: None,
        },
        Query::History {
            project: p.clone(),
            name: n.clone(),
        },
        Query::Trash,
        Query::Export {
            project: "web-app".into(),
        },
        Query::Audit { action: None },
        Query::VerifyAudit,
        Query::KeyRotations,
        Query::AccessKeys,
        Query::Connections,
        Query::Targets,
        Query::Status,
        Query::Policies {
            project: "web-app".into(),
            name: "Session secret".into(),
        },
        Query::Mappings {
            project: p.clone(),
            name: n.clone(),
        },
        Query::Dashboard,
    ];
    for q in queries {
        let what = format!("{q:?}");
        let reply = rt
            .block_on(owner.handle(None, Request::Query(q)))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let once = serde_json::to_string(&reply).unwrap();
        let back: Reply = serde_json::from_str(&once)
            .unwrap_or_else(|e| panic!("{what}: the answer does not read back: {e}"));
        assert_eq!(serde_json::to_string(&back).unwrap(), once, "{what}");
    }
}
