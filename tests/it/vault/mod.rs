//! The vault: storage and sealing through the library, and the command line contract
//! through the real binary.

mod audit;
mod cli;
mod cli_errors;
mod kdf;
mod messages;
mod meta;
mod modes;
mod prompt;
mod sealing;
mod store;
mod tamper;
