DROP TABLE sign_in_throttles;
DROP TABLE users;
