//! Secrets and what belongs to them: their records and versions, projects, the trash,
//! value rotation policies and generators, `.env` import and export, and the one-pass
//! overview the dashboard draws from.

pub(super) mod dotenv;
pub(super) mod envfile;
pub(super) mod generate;
pub(super) mod overview;
pub(super) mod policies;
pub(super) mod projects;
pub(super) mod record;
pub(super) mod trash;
pub(super) mod versions;
