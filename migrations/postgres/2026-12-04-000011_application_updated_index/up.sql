-- The Secretariat's work queue sorted by last change.
CREATE INDEX accreditation_applications_updated ON accreditation_applications (updated_at, id);
