DROP TABLE accreditation_history;
DROP TABLE accreditation_applications;
ALTER TABLE organisations DROP COLUMN accredited_on;
