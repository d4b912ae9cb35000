CREATE SEQUENCE ticket_numbers;
GRANT USAGE ON SEQUENCE ticket_numbers TO momentry_app;
GRANT SELECT ON SEQUENCE ticket_numbers TO momentry_reader;
