DROP TABLE invitations;
DROP TABLE memberships;
