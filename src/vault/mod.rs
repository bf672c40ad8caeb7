//! The domain and its storage: the only code that opens redb or touches keys.
