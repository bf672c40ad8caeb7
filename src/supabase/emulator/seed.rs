//! The data an emulator starts with: from code (tests), from `keyward emulator` flags, or
//! the demo set used when nothing is given.

use super::world::{TokenSpec, World};
use crate::supabase::api::is_valid_project_ref;

/// A classic account token of the demo data; sees every demo project.
pub const DEMO_TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";
/// A token of the demo data scoped to the staging project only.
/// `sbp_` and 40 hex characters, the format the official Supabase CLI insists on.
pub const DEMO_SCOPED_TOKEN: &str = "sbp_fc0123456789abcdef0123456789abcdef012345";
pub const DEMO_ORG: &str = "keyward-demo";
pub const DEMO_PRODUCTION_REF: &str = "kwdemoproductionabcd";
pub const DEMO_STAGING_REF: &str = "kwdemostagingabcdefg";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSeed {
    pub project_ref: String,
    pub name: String,
    pub organization: String,
    /// List the platform's `SUPABASE_*` entries among its secrets (older projects do,
    /// new ones may not).
    pub platform_secrets: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub tokens: Vec<TokenSpec>,
    /// (slug, name)
    pub organizations: Vec<(String, String)>,
    pub projects: Vec<ProjectSeed>,
    /// (project ref, name, plaintext value)
    pub secrets: Vec<(String, String, String)>,
}

impl Seed {
    /// Two projects in one organization, an account token and a scoped token.
    pub fn demo() -> Self {
        Seed::default()
            .organization(DEMO_ORG, "keyward demo")
            .project_in(DEMO_PRODUCTION_REF, "demo-production", DEMO_ORG)
            .project_in(DEMO_STAGING_REF, "demo-staging", DEMO_ORG)
            .with_platform_secrets(DEMO_STAGING_REF)
            .token(TokenSpec::account(DEMO_TOKEN))
            .token(TokenSpec::scoped(DEMO_SCOPED_TOKEN, [DEMO_STAGING_REF]))
            .secret(
                DEMO_STAGING_REF,
                "STRIPE_WEBHOOK_SECRET",
                "whsec_demo_set_by_hand",
            )
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.projects.is_empty() && self.organizations.is_empty()
    }

    pub fn token(mut self, spec: TokenSpec) -> Self {
        self.tokens.push(spec);
        self
    }

    pub fn organization(mut self, slug: &str, name: &str) -> Self {
        self.organizations.push((slug.into(), name.into()));
        self
    }

    /// A project in the default organization `org-default`.
    pub fn project(self, project_ref: &str, name: &str) -> Self {
        self.project_in(project_ref, name, "org-default")
    }

    pub fn project_in(mut self, project_ref: &str, name: &str, org: &str) -> Self {
        self.projects.push(ProjectSeed {
            project_ref: project_ref.into(),
            name: name.into(),
            organization: org.into(),
            platform_secrets: false,
        });
        self
    }

    /// The project (seeded before) lists the platform's `SUPABASE_*` secrets.
    pub fn with_platform_secrets(mut self, project_ref: &str) -> Self {
        for p in self
            .projects
            .iter_mut()
            .filter(|p| p.project_ref == project_ref)
        {
            p.platform_secrets = true;
        }
        self
    }

    /// A secret set "by hand" (not through the API, so no rule applies).
    pub fn secret(mut self, project_ref: &str, name: &str, value: &str) -> Self {
        self.secrets
            .push((project_ref.into(), name.into(), value.into()));
        self
    }

    /// Adds what is missing; a project loaded from a state file keeps its data.
    pub fn apply(&self, world: &mut World) {
        for (slug, name) in &self.organizations {
            if !world.organizations.contains_key(slug) {
                world.add_organization(slug, name);
            }
        }
        for p in &self.projects {
            if !world.projects.contains_key(&p.project_ref) {
                world.add_project(&p.project_ref, &p.name, &p.organization);
                if p.platform_secrets {
                    world.add_platform_secrets(&p.project_ref);
                }
            }
        }
        // A token already in the state keeps its scope and, above all, its revocation.
        for t in &self.tokens {
            if !world.tokens.contains_key(&t.token) {
                world.add_token(t.clone());
            }
        }
        for (r, name, value) in &self.secrets {
            if let Some(p) = world.projects.get_mut(r) {
                p.secrets.insert(
                    name.clone(),
                    super::world::SecretRecord {
                        value: value.clone(),
                        updated_at: super::clock::now_rfc3339(),
                    },
                );
            }
        }
    }
}

/// `TOKEN` (an account token seeing every project) or `TOKEN=REF,REF` (scoped to those).
pub fn parse_token(s: &str) -> Result<TokenSpec, String> {
    let s = s.trim();
    match s.split_once('=') {
        None if !s.is_empty() => Ok(TokenSpec::account(s)),
        None => Err("empty token".into()),
        Some((t, refs)) => {
            let refs: Vec<&str> = refs
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            if t.is_empty() || refs.is_empty() {
                return Err(format!("`{s}`: expected TOKEN or TOKEN=REF[,REF...]"));
            }
            if let Some(bad) = refs.iter().find(|r| !is_valid_project_ref(r)) {
                return Err(format!(
                    "`{bad}` is not a project ref (20 lowercase letters)"
                ));
            }
            Ok(TokenSpec::scoped(t, refs))
        }
    }
}

/// `REF:NAME` or `REF:NAME:ORG`.
pub fn parse_project(s: &str) -> Result<ProjectSeed, String> {
    let mut parts = s.splitn(3, ':');
    let (r, name, org) = (parts.next().unwrap_or(""), parts.next(), parts.next());
    if !is_valid_project_ref(r) {
        return Err(format!(
            "`{r}` is not a project ref (20 lowercase letters), in `{s}`"
        ));
    }
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("`{s}`: expected REF:NAME[:ORG]"))?;
    Ok(ProjectSeed {
        project_ref: r.into(),
        name: name.into(),
        organization: org
            .filter(|o| !o.is_empty())
            .unwrap_or("org-default")
            .into(),
        platform_secrets: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_token_and_project_flags() {
        let t = parse_token("tok").unwrap();
        assert!(t.projects.is_none());
        let t = parse_token("tok=abcdefghijklmnopqrst").unwrap();
        assert!(t.sees("abcdefghijklmnopqrst") && !t.sees("bbbbbbbbbbbbbbbbbbbb"));
        assert!(parse_token("tok=short").is_err());
        let p = parse_project("abcdefghijklmnopqrst:billing api:acme").unwrap();
        assert_eq!(
            (p.name.as_str(), p.organization.as_str()),
            ("billing api", "acme")
        );
        assert!(parse_project("abc:x").is_err());
        assert!(parse_project("abcdefghijklmnopqrst").is_err());
    }

    #[test]
    fn demo_tokens_have_the_format_the_supabase_cli_accepts() {
        for t in [DEMO_TOKEN, DEMO_SCOPED_TOKEN] {
            let hex = t.strip_prefix("sbp_").unwrap();
            assert_eq!(hex.len(), 40, "{t}");
            assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
        }
    }

    #[test]
    fn demo_refs_are_valid() {
        assert!(
            is_valid_project_ref(DEMO_PRODUCTION_REF) && is_valid_project_ref(DEMO_STAGING_REF)
        );
    }
}
