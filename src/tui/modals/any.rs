//! The modals the app stacks, as one closed enum (the app matches on a few of them:
//! the editor a value is revealed into, the review names arrive for). Every other use
//! goes through the [`Modal`] trait, reached through `Deref`: the one dispatch is the
//! match the `modals!` macro writes.

use std::ops::{Deref, DerefMut};

use super::*;

/// Declares [`AnyModal`] with one variant per modal type, `From` for each, and the
/// dispatch to the trait. `boxed` variants hold a Box (a large modal).
macro_rules! modals {
    ($($v:ident($t:ty)),* $(,)?; boxed: $($bv:ident($bt:ty)),* $(,)?) => {
        pub enum AnyModal {
            $($v($t),)*
            $($bv(Box<$bt>),)*
        }

        impl Deref for AnyModal {
            type Target = dyn Modal;
            fn deref(&self) -> &(dyn Modal + 'static) {
                match self {
                    $(AnyModal::$v(m) => m,)*
                    $(AnyModal::$bv(m) => m.as_ref(),)*
                }
            }
        }

        impl DerefMut for AnyModal {
            fn deref_mut(&mut self) -> &mut (dyn Modal + 'static) {
                match self {
                    $(AnyModal::$v(m) => m,)*
                    $(AnyModal::$bv(m) => m.as_mut(),)*
                }
            }
        }

        $(impl From<$t> for AnyModal {
            fn from(m: $t) -> AnyModal {
                AnyModal::$v(m)
            }
        })*
    };
}

modals! {
    Unseal(unseal::Unseal),
    Editor(editor::Editor),
    History(history::History),
    Trash(trash::TrashBin),
    Audit(audit::AuditLog),
    Help(help::Help),
    Confirm(confirm::Confirm),
    Sync(sync::SyncFlow),
    Text(text::Text),
    Connect(connect::Connect),
    AddTarget(targets::AddTarget),
    Rotations(rotations::Rotations),
    RotationForm(rotations::RotationForm),
    RevokeKey(rotations::RevokeKey),
    Keys(keys_view::KeysView),
    Policy(policy::PolicyEditor),
    AccessKeys(access::AccessKeys),
    AccessForm(access::AccessForm),
    OwnerGone(gone::OwnerGone),
    Form(form::Form),
    Find(find::Find),
    Targets(connections::Targets),
    Import(import::ImportReview);
    // Boxed: the review it holds makes it several times the size of the others.
    boxed: Manage(manage::ManageTarget),
}
