//! Everything that speaks the Supabase Management API: types, client, emulator.
