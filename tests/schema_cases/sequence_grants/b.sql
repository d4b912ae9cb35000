CREATE SEQUENCE ticket_numbers;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE ticket_numbers TO momentry_app;
