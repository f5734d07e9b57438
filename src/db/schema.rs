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
