//! Start a Supabase Management API emulator for a test: on 127.0.0.1, a free port, with
//! known tokens, projects and secrets. The returned handle shuts the server down when
//! dropped; `emu.control()` reaches counters, faults and the recording.
//!
//! ```ignore
//! let emu = support::emulator::start();
//! let client = support::emulator::client(&emu, support::emulator::TOKEN);
//! ```

use std::time::Duration;

use keyward::supabase::emulator::{Emulator, EmulatorConfig, Faults, Seed, TokenSpec};
use keyward::supabase::{Client, ClientConfig};
use secrecy::SecretString;

/// A classic account token: sees every project.
pub const TOKEN: &str = "sbp_1111111111111111111111111111111111111111";
/// A second account token, for revocation tests that must not disturb `TOKEN`.
pub const OTHER_TOKEN: &str = "sbp_2222222222222222222222222222222222222222";
/// A token scoped to `REF_A` only: cannot list projects or organizations.
pub const SCOPED_TOKEN: &str = "sbp_fc33333333333333333333333333333333333333";
/// A syntactically fine token the emulator does not know.
pub const UNKNOWN_TOKEN: &str = "sbp_9999999999999999999999999999999999999999";

pub const ORG: &str = "acme";
pub const OTHER_ORG: &str = "umbrella";
/// "billing-api" in `ORG`, with the hand-set secret `HAND_SET` (= "by hand") and the
/// platform's `SUPABASE_*` entries in its secrets listing.
pub const REF_A: &str = "aaaaaaaaaaaaaaaaaaaa";
/// "web" in `ORG`, no secrets at all (a new project's listing: no `SUPABASE_*` entries).
pub const REF_B: &str = "bbbbbbbbbbbbbbbbbbbb";
/// "internal" in `OTHER_ORG`.
pub const REF_C: &str = "cccccccccccccccccccc";
/// A well-formed ref no project has.
pub const REF_MISSING: &str = "zzzzzzzzzzzzzzzzzzzz";

/// The standard test data above.
pub fn seed() -> Seed {
    Seed::default()
        .organization(ORG, "Acme")
        .organization(OTHER_ORG, "Umbrella")
        .project_in(REF_A, "billing-api", ORG)
        .with_platform_secrets(REF_A)
        .project_in(REF_B, "web", ORG)
        .project_in(REF_C, "internal", OTHER_ORG)
        .secret(REF_A, "HAND_SET", "by hand")
        .token(TokenSpec::account(TOKEN))
        .token(TokenSpec::account(OTHER_TOKEN))
        .token(TokenSpec::scoped(SCOPED_TOKEN, [REF_A]))
}

/// The standard data, default faults (120 requests a minute, no latency).
pub fn start() -> Emulator {
    start_with(seed(), Faults::default())
}

pub fn start_with(seed: Seed, faults: Faults) -> Emulator {
    Emulator::start(EmulatorConfig {
        seed,
        faults,
        ..EmulatorConfig::default()
    })
    .expect("start the emulator")
}

/// A client of `emu` with `token` and the default timeouts.
pub fn client(emu: &Emulator, token: &str) -> Client {
    client_with(emu.client_config(), token)
}

/// A client of `emu` whose whole request may take at most `timeout`.
pub fn client_with_timeout(emu: &Emulator, token: &str, timeout: Duration) -> Client {
    let config = ClientConfig {
        request_timeout: timeout,
        connect_timeout: timeout,
        ..emu.client_config()
    };
    client_with(config, token)
}

pub fn client_with(config: ClientConfig, token: &str) -> Client {
    Client::new(&config, SecretString::from(token.to_owned())).expect("a valid client config")
}
