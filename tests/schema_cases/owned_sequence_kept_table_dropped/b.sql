CREATE SEQUENCE ticket_numbers;
CREATE TABLE desks (id int, next_ticket bigint DEFAULT nextval('ticket_numbers'));
