CREATE SEQUENCE ticket_numbers;
CREATE TABLE tickets (number bigint DEFAULT nextval('ticket_numbers'), note text);
ALTER SEQUENCE ticket_numbers OWNED BY tickets.number;
CREATE TABLE desks (id int);
