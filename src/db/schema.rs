//! The tables, written by hand in SQL types that PostgreSQL and SQLite both have.
//!
//! A test checks that the migrations of both backends create exactly these columns.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        slug -> Text,
        kind -> Text,
        name -> Text,
        acronym -> Nullable<Text>,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        country -> Nullable<Text>,
        city -> Nullable<Text>,
        established_on -> Nullable<Date>,
        category -> Nullable<Text>,
        accreditation_status -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        platform_role -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_throttles (email) {
        email -> Text,
        failures -> BigInt,
        last_failure_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}
