DROP INDEX posts_organisation_listed;
