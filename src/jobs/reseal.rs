//! The re-seal after a rotation of `CREDENTIALS_KEY`: while `CREDENTIALS_KEY_PREVIOUS` is
//! set, each cron run seals again, under the current key, up to `BATCH` stored values
//! that are under the previous key or name no key (`v1.`), in one D1 batch. Running it
//! twice does nothing more; once it logs that nothing is left, the previous key can go.
//!
//! Stored idempotent responses are not re-sealed: they live at most 24 hours, so keeping
//! the previous key that long after the rotation covers them.

use crate::platform::{random_bytes, sealer};
use crate::store::sealed::{self as store, Stale};
use worker::Env;

/// Values per cron run: one D1 batch of at most this many updates.
pub const BATCH: i64 = 200;

pub async fn run(env: &Env) -> worker::Result<()> {
    let sealer = sealer(env)?;
    let Some(previous) = sealer.previous_prefix() else { return Ok(()) };
    let stale = store::stale(env, previous, BATCH).await?;
    if stale.is_empty() {
        worker::console_log!(
            "re-seal: no value is left under the previous key; CREDENTIALS_KEY_PREVIOUS can be removed"
        );
        return Ok(());
    }
    let found = stale.len();
    let mut statements = Vec::with_capacity(found);
    let mut unreadable = 0usize;
    for s in &stale {
        match resealed(&sealer, s) {
            Ok(Some(value)) => statements.push(store::replace_statement(env, s, &value)?),
            Ok(None) => {}
            Err(e) => {
                // Left as it is (it is read as before, or already fails): never lose a value.
                unreadable += 1;
                worker::console_error!("re-seal: {} of {} could not be opened: {e:?}", s.column.name(), s.id);
            }
        }
    }
    let written = statements.len();
    if !statements.is_empty() {
        crate::platform::d1::db(env)?.batch(statements).await?;
    }
    worker::console_log!(
        "re-seal: {written} value(s) sealed under the current key, {unreadable} unreadable{}",
        if found as i64 == BATCH { "; more remain for the next run" } else { "" }
    );
    Ok(())
}

fn resealed(
    sealer: &crate::domain::secret::Sealer,
    s: &Stale,
) -> Result<Option<String>, crate::domain::secret::SecretError> {
    if s.column.is_map() {
        sealer.reseal_headers(&s.value, &mut || random_bytes::<12>().ok())
    } else {
        let nonce = random_bytes::<12>().map_err(|_| crate::domain::secret::SecretError::NoRandomness)?;
        sealer.reseal(nonce, &s.value)
    }
}
