//! An attached dashboard patches its panes from what a change touched: a change made by
//! another front end shows up without a full re-read.

use std::sync::Arc;

use keyward::engine::EngineConfig;
use keyward::front::Front;
use keyward::ops::{Change, Request};
use keyward::owner::Host;
use keyward::tui::app::App;
use keyward::tui::keys::Keymap;
use keyward::tui::runner::Tui;
use keyward::tui::theme::Theme;
use keyward::vault::{Cause, Clock, SecretValue};
use ratatui::backend::TestBackend;

use crate::support::vault::Sandbox;

fn screen(t: &Tui<TestBackend>) -> String {
    let buf = t.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_change_by_another_front_end_is_patched_into_an_attached_dashboard() {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(keyward::cli::demo::seed).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _g = rt.enter();
    let host = Host::resident(v, EngineConfig::default());
    let _listening = rt.block_on(keyward::owner::listen(host.clone())).unwrap();
    let attach = |what: &str| {
        rt.block_on(keyward::front::attach(&sb.path, what))
            .unwrap()
            .expect("the owner answers")
    };
    let app = App::new(
        Keymap::defaults(),
        Theme::mono(),
        Clock::system(),
        "t".into(),
    );
    let mut t = Tui::with_front(
        TestBackend::new(120, 30),
        app,
        Front::Attached(Arc::new(attach("keyward"))),
        EngineConfig::default(),
    )
    .unwrap();
    rt.block_on(t.settle());
    t.draw().unwrap();
    assert!(screen(&t).contains("Database"), "{}", screen(&t));
    let writer = attach("keyward secret set");
    let set = |value: &str| Change::Set {
        project: "billing-api".into(),
        name: "Database".into(),
        value: SecretValue::fields([("host", value)]),
        merge: true,
        cause: Cause::Edit,
    };
    for (i, value) in ["db2", "db3"].iter().enumerate() {
        rt.block_on(writer.call(Request::Apply {
            changes: vec![set(value)],
            push: false,
        }))
        .unwrap();
        let want = format!("v{}", i + 2);
        let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            rt.block_on(t.settle());
            t.draw().unwrap();
            let s = screen(&t);
            if s.lines()
                .any(|l| l.contains("Database") && l.contains(&want))
            {
                break;
            }
            assert!(std::time::Instant::now() < end, "never shown: {want}\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
