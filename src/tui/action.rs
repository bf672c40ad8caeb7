//! What a key can ask for. Keymaps map keys to these by name (see keys.rs).

/// One user intent. Which ones mean something depends on the context (pane or modal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Edit,
    NewSecret,
    NewStructured,
    Trash,
    History,
    OpenTrash,
    Audit,
    ToggleSelect,
    SelectAll,
    Sync,
    Connect,
    AddTarget,
    Manage,
    Retry,
    Plan,
    Drift,
    Unmap,
    Close,
    Rollback,
    Restore,
    Purge,
    NextField,
    PrevField,
    Save,
    Reveal,
    AddField,
    Submit,
    /// Take over names on Supabase that keyward did not create.
    Adopt,
    Rotations,
    Add,
    RunNow,
    ToggleAuto,
    /// Every key of the target of the rotation under the cursor.
    TargetKeys,
    /// Turn a target's legacy API keys off (after their plan) or on again.
    LegacyKeys,
    Revoke,
    Remove,
    Policy,
    AccessKeys,
    /// Open the vault here after its owner went away.
    Reopen,
    Rename,
    /// Find a secret in every project.
    Find,
    Import,
    Export,
    /// The targets and connections screen.
    Targets,
    /// Copy a value to the clipboard (OSC 52).
    Copy,
    /// Give a connection a new token.
    Reconnect,
    /// Follow a target's preview branches, or stop.
    ToggleBranches,
    /// Unbinds a default key.
    None,
}

const NAMES: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("help", Action::Help),
    ("focus_next", Action::FocusNext),
    ("focus_prev", Action::FocusPrev),
    ("up", Action::Up),
    ("down", Action::Down),
    ("page_up", Action::PageUp),
    ("page_down", Action::PageDown),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("filter", Action::Filter),
    ("edit", Action::Edit),
    ("new_secret", Action::NewSecret),
    ("new_structured", Action::NewStructured),
    ("trash", Action::Trash),
    ("history", Action::History),
    ("open_trash", Action::OpenTrash),
    ("audit", Action::Audit),
    ("toggle_select", Action::ToggleSelect),
    ("select_all", Action::SelectAll),
    ("sync", Action::Sync),
    ("connect", Action::Connect),
    ("add_target", Action::AddTarget),
    ("manage", Action::Manage),
    ("retry", Action::Retry),
    ("plan", Action::Plan),
    ("drift", Action::Drift),
    ("unmap", Action::Unmap),
    ("close", Action::Close),
    ("rollback", Action::Rollback),
    ("restore", Action::Restore),
    ("purge", Action::Purge),
    ("next_field", Action::NextField),
    ("prev_field", Action::PrevField),
    ("save", Action::Save),
    ("reveal", Action::Reveal),
    ("add_field", Action::AddField),
    ("submit", Action::Submit),
    ("adopt", Action::Adopt),
    ("rotations", Action::Rotations),
    ("add", Action::Add),
    ("run_now", Action::RunNow),
    ("toggle_auto", Action::ToggleAuto),
    ("target_keys", Action::TargetKeys),
    ("legacy_keys", Action::LegacyKeys),
    ("revoke", Action::Revoke),
    ("remove", Action::Remove),
    ("policy", Action::Policy),
    ("access_keys", Action::AccessKeys),
    ("reopen", Action::Reopen),
    ("rename", Action::Rename),
    ("find", Action::Find),
    ("import", Action::Import),
    ("export", Action::Export),
    ("targets", Action::Targets),
    ("copy", Action::Copy),
    ("reconnect", Action::Reconnect),
    ("toggle_branches", Action::ToggleBranches),
    ("none", Action::None),
];

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// Every action but `none`, for checks that each has a key.
    pub fn all() -> impl Iterator<Item = Action> {
        NAMES.iter().map(|(_, a)| *a).filter(|a| *a != Action::None)
    }

    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or("none")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_name_round_trips() {
        for (n, a) in NAMES {
            assert_eq!(Action::parse(n), Some(*a));
            assert_eq!(a.name(), *n);
        }
        assert_eq!(Action::parse("fly"), None);
    }
}
