//! Validating a Personal Access Token before anything is stored (NOTES.md, "Auth and
//! tokens"): `GET /v1/projects` first; a 403 there means a token scoped to projects, which
//! is then validated against the project the user names.

use secrecy::ExposeSecret;

use super::api::Project;
use super::client::Client;
use super::error::{Error, hints};

/// What a token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenScope {
    /// It can list the account's projects: these are the ones it sees.
    Account { projects: Vec<Project> },
    /// It cannot list projects but can read this one (a project-scoped token).
    Project { project: Box<Project> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenValidation {
    pub scope: TokenScope,
    /// Set when the token does not look like any known Supabase format; never a refusal,
    /// since formats change (scoped `sbp_fc…` tokens, OAuth tokens).
    pub format_warning: Option<String>,
}

impl TokenValidation {
    pub fn projects(&self) -> Vec<&Project> {
        match &self.scope {
            TokenScope::Account { projects } => projects.iter().collect(),
            TokenScope::Project { project } => vec![&**project],
        }
    }
}

/// A warning when a token is not `sbp_` followed by hex characters (40 for a classic PAT;
/// scoped PATs start `sbp_fc`), nor `sbp_oauth_`, nor a JWT-looking OAuth token.
pub fn token_format_warning(token: &str) -> Option<String> {
    let t = token.trim();
    if t.len() != token.len() {
        return Some("the token has surrounding whitespace; it was sent as given".into());
    }
    if let Some(rest) = t.strip_prefix("sbp_oauth_") {
        return (!rest.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| "the OAuth token has unexpected characters".into());
    }
    if let Some(rest) = t.strip_prefix("sbp_") {
        if rest.len() >= 40 && rest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return Some(format!(
            "the token does not look like a Supabase personal access token (`sbp_` and {} hex characters expected); trying it anyway",
            40
        ));
    }
    if t.split('.').count() == 3 && !t.contains(' ') {
        return None; // an OAuth access token (JWT)
    }
    Some(
        "the token does not start with `sbp_` like Supabase access tokens do; trying it anyway"
            .into(),
    )
}

impl Client {
    /// Validates the client's token. `project_ref` is used only when the token cannot list
    /// projects (403): then that project must be readable. Errors are the client's own,
    /// so a 401 reads "invalid or revoked" and a 403 without a ref says to give one.
    pub async fn validate_token(
        &self,
        project_ref: Option<&str>,
    ) -> Result<TokenValidation, Error> {
        let format_warning = token_format_warning(self.token().expose_secret());
        match self.list_projects().await {
            Ok(projects) => Ok(TokenValidation {
                scope: TokenScope::Account { projects },
                format_warning,
            }),
            Err(Error::Forbidden {
                message,
                missing_permissions,
                ..
            }) => match project_ref {
                Some(r) => {
                    let project = self.get_project(r).await?;
                    Ok(TokenValidation {
                        scope: TokenScope::Project {
                            project: Box::new(project),
                        },
                        format_warning,
                    })
                }
                None => Err(Error::Forbidden {
                    message,
                    missing_permissions,
                    hint: hints::LIST_PROJECTS,
                }),
            },
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::token_format_warning;

    #[test]
    fn known_formats_pass_and_odd_ones_warn() {
        let classic = format!("sbp_{}", "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(token_format_warning(&classic), None);
        let scoped = format!("sbp_fc{}", "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(token_format_warning(&scoped), None);
        assert_eq!(token_format_warning("aaa.bbb.ccc"), None);
        assert!(token_format_warning("sbp_short").is_some());
        assert!(token_format_warning("hello").is_some());
        assert!(token_format_warning(" sbp_x ").is_some());
    }
}
