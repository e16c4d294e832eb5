//! Accounts as the server signs people in: passwords, the organization-admin flag, sessions
//! and single-use login links. The store keeps only hashes of the secrets (the cookie's and
//! the link's); the server makes the secrets, hashes them and checks passwords. Expired or
//! used secrets are never returned.

use chrono::Duration;
use movement::{AccountId, PersonId};

use crate::org::{Org, in_transaction};
use crate::{Bindable, Error, now_ms};

/// A login, as the server needs it to decide who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Row id.
    pub id: AccountId,
    /// The person in the directory this account signs in as.
    pub person: PersonId,
    /// Lower-cased.
    pub email: String,
    /// Administers the organization: creates movements, imports, hosts by right.
    pub is_admin: bool,
    /// An argon2id PHC string, or none for accounts that sign in by link only.
    pub password_hash: Option<String>,
}

/// A signed-in browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who signed in.
    pub account: AccountId,
    /// The token every form of this session must carry.
    pub csrf_token: String,
}

type AccountRow = (i64, i64, String, bool, Option<String>);

const ACCOUNT_COLUMNS: &str = "id, person_id, email, is_admin, password_hash";

fn into_account((id, person, email, is_admin, password_hash): AccountRow) -> Account {
    Account {
        id: AccountId(id),
        person: PersonId(person),
        email,
        is_admin,
        password_hash,
    }
}

impl Org<'_> {
    /// The account with this id, if this organization has it.
    pub async fn account(&self, account: AccountId) -> Result<Option<Account>, Error> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND id = $2");
        let row: Option<AccountRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(account.0)
            .fetch_optional(&mut *tx)
            .await?);
        Ok(row.map(into_account))
    }

    /// The account signing in with this email (compared lower-cased, trimmed), if any.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, Error> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND email = $2");
        let row: Option<AccountRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(email.trim().to_lowercase())
            .fetch_optional(&mut *tx)
            .await?);
        Ok(row.map(into_account))
    }

    /// The account of a person, if they have one.
    pub async fn account_of(&self, person: PersonId) -> Result<Option<Account>, Error> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND person_id = $2");
        let row: Option<AccountRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(person.0)
            .fetch_optional(&mut *tx)
            .await?);
        Ok(row.map(into_account))
    }

    /// Sets (or, with `None`, removes) an account's password hash.
    pub async fn set_password_hash(
        &self,
        account: AccountId,
        hash: Option<&str>,
    ) -> Result<(), Error> {
        self.update_account(account, "password_hash", hash.map(str::to_string))
            .await
    }

    /// Grants or withdraws the right to administer the organization.
    pub async fn set_admin(&self, account: AccountId, is_admin: bool) -> Result<(), Error> {
        self.update_account(account, "is_admin", is_admin).await
    }

    async fn update_account<T>(
        &self,
        account: AccountId,
        column: &'static str,
        value: T,
    ) -> Result<(), Error>
    where
        T: Bindable,
    {
        let sql = format!("UPDATE accounts SET {column} = $1 WHERE org_id = $2 AND id = $3");
        let updated = in_transaction!(self, |tx| sqlx::query(&sql)
            .bind(value.clone())
            .bind(self.id.0)
            .bind(account.0)
            .execute(&mut *tx)
            .await?
            .rows_affected());
        if updated == 0 {
            return Err(Error::not_found("account", account));
        }
        Ok(())
    }

    /// Opens a session for `account`, known by the hash of its cookie's secret, for `ttl`.
    pub async fn create_session(
        &self,
        account: AccountId,
        secret_hash: &str,
        csrf_token: &str,
        ttl: Duration,
    ) -> Result<(), Error> {
        let now = now_ms();
        in_transaction!(self, |tx| sqlx::query(
            "INSERT INTO sessions (secret_hash, org_id, account_id, csrf_token, created_at_ms, \
             expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(secret_hash)
        .bind(self.id.0)
        .bind(account.0)
        .bind(csrf_token)
        .bind(now)
        .bind(now + ttl.num_milliseconds())
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::refused(e, "session of account", &account.to_string()))?
        .rows_affected());
        Ok(())
    }

    /// The live session known by this hash: none if it never existed, ended or expired.
    pub async fn session(&self, secret_hash: &str) -> Result<Option<Session>, Error> {
        let row: Option<(i64, String)> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT account_id, csrf_token FROM sessions \
             WHERE org_id = $1 AND secret_hash = $2 AND expires_at_ms > $3",
        )
        .bind(self.id.0)
        .bind(secret_hash)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?);
        Ok(row.map(|(account, csrf_token)| Session {
            account: AccountId(account),
            csrf_token,
        }))
    }

    /// Ends one session (logging out this browser). Ending one that is gone is no error.
    pub async fn end_session(&self, secret_hash: &str) -> Result<(), Error> {
        in_transaction!(self, |tx| sqlx::query(
            "DELETE FROM sessions WHERE org_id = $1 AND secret_hash = $2"
        )
        .bind(self.id.0)
        .bind(secret_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Ends every session of an account (logging out everywhere), and every login link not
    /// yet used; returns how many sessions ended.
    pub async fn end_all_sessions(&self, account: AccountId) -> Result<u64, Error> {
        Ok(in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM login_links WHERE org_id = $1 AND account_id = $2")
                .bind(self.id.0)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND account_id = $2")
                .bind(self.id.0)
                .bind(account.0)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }))
    }

    /// Records a login link for `account`, known by the hash of its secret, valid for `ttl`.
    pub async fn create_login_link(
        &self,
        account: AccountId,
        secret_hash: &str,
        ttl: Duration,
    ) -> Result<(), Error> {
        let now = now_ms();
        in_transaction!(self, |tx| sqlx::query(
            "INSERT INTO login_links (secret_hash, org_id, account_id, created_at_ms, \
             expires_at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret_hash)
        .bind(self.id.0)
        .bind(account.0)
        .bind(now)
        .bind(now + ttl.num_milliseconds())
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::refused(e, "login link of account", &account.to_string()))?
        .rows_affected());
        Ok(())
    }

    /// Uses a login link: the account it signs in, once. A second use, an expired link or an
    /// unknown one gives none.
    pub async fn use_login_link(&self, secret_hash: &str) -> Result<Option<AccountId>, Error> {
        let now = now_ms();
        let account: Option<i64> = in_transaction!(self, |tx| sqlx::query_scalar(
            "UPDATE login_links SET used_at_ms = $1 WHERE org_id = $2 AND secret_hash = $3 \
             AND used_at_ms IS NULL AND expires_at_ms > $1 RETURNING account_id",
        )
        .bind(now)
        .bind(self.id.0)
        .bind(secret_hash)
        .fetch_optional(&mut *tx)
        .await?);
        Ok(account.map(AccountId))
    }
}
