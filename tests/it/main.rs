//! One integration-test binary (builds are slow on small machines): every area is a
//! module here, sharing the helpers in `support`.

mod alerts;
mod attach;
mod branches;
mod layers;
mod rotation;
mod serve;
mod supabase;
mod support;
mod sync;
mod tui;
mod vault;
