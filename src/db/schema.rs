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
        accredited_on -> Nullable<Date>,
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

diesel::table! {
    memberships (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        author_id -> BigInt,
        kind -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        visibility -> Text,
        status -> Text,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        time_zone -> Nullable<Text>,
        venue -> Nullable<Text>,
        online_url -> Nullable<Text>,
        registration_url -> Nullable<Text>,
        opens_at -> Nullable<Timestamp>,
        deadline -> Nullable<Timestamp>,
        eligibility -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_tags (post_id, tag) {
        post_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    call_applications (id) {
        id -> BigInt,
        call_id -> BigInt,
        organisation_id -> BigInt,
        submitted_by -> BigInt,
        statement -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        topic -> Text,
        subject_id -> BigInt,
        created_at -> Timestamp,
        user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    threads (id) {
        id -> BigInt,
        kind -> Text,
        subject -> Text,
        started_by -> BigInt,
        created_at -> Timestamp,
        last_message_id -> Nullable<BigInt>,
        last_activity_at -> Timestamp,
    }
}

diesel::table! {
    thread_participants (thread_id, organisation_id) {
        thread_id -> BigInt,
        organisation_id -> BigInt,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        thread_id -> BigInt,
        author_id -> BigInt,
        organisation_id -> BigInt,
        body -> Text,
        sent_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    thread_reads (user_id, thread_id) {
        user_id -> BigInt,
        thread_id -> BigInt,
        last_read_message_id -> BigInt,
    }
}

diesel::table! {
    partnerships (id) {
        id -> BigInt,
        proposer_id -> BigInt,
        recipient_id -> BigInt,
        description -> Text,
        status -> Text,
        proposed_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accreditation_applications (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        status -> Text,
        requested_category -> Text,
        supports_asean_purposes -> Text,
        non_profit -> Text,
        existence_in_asean -> Text,
        membership -> Text,
        funding -> Text,
        registered_office -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        thread_id -> BigInt,
        version -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        decided_category -> Nullable<Text>,
        cpr_decision_date -> Nullable<Date>,
        sg_letter_date -> Nullable<Date>,
        sg_letter_reference -> Nullable<Text>,
    }
}

diesel::table! {
    accreditation_history (id) {
        id -> BigInt,
        application_id -> BigInt,
        actor_id -> BigInt,
        at -> Timestamp,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    application_documents (id) {
        id -> BigInt,
        application_id -> BigInt,
        kind -> Text,
        filename -> Text,
        media_type -> Text,
        byte_size -> BigInt,
        sha256 -> Text,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
        replaced_at -> Nullable<Timestamp>,
        review -> Text,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    document_contents (document_id) {
        document_id -> BigInt,
        bytes -> Binary,
    }
}

diesel::table! {
    accreditation_status_changes (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        actor_id -> BigInt,
        at -> Timestamp,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        reason -> Text,
    }
}

diesel::table! {
    annual_reports (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        year -> Integer,
        created_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<BigInt>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<BigInt>,
        acknowledgement_note -> Nullable<Text>,
    }
}

diesel::table! {
    annual_report_documents (id) {
        id -> BigInt,
        report_id -> BigInt,
        kind -> Text,
        filename -> Text,
        media_type -> Text,
        byte_size -> BigInt,
        sha256 -> Text,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    annual_report_document_contents (document_id) {
        document_id -> BigInt,
        bytes -> Binary,
    }
}

diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(invitations -> organisations (organisation_id));
diesel::joinable!(posts -> organisations (organisation_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(call_applications -> posts (call_id));
diesel::joinable!(thread_participants -> threads (thread_id));
diesel::joinable!(thread_participants -> organisations (organisation_id));
diesel::joinable!(messages -> threads (thread_id));
diesel::joinable!(thread_reads -> threads (thread_id));
diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sign_in_throttles,
    memberships,
    invitations,
    posts,
    post_tags,
    call_applications,
    events,
    threads,
    thread_participants,
    messages,
    thread_reads,
    partnerships,
    accreditation_applications,
    accreditation_history,
    application_documents,
    document_contents,
    accreditation_status_changes,
    annual_reports,
    annual_report_documents,
    annual_report_document_contents
);
