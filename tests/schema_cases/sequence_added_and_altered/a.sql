CREATE SEQUENCE job_ticket_seq;
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    ticket bigint NOT NULL DEFAULT nextval('job_ticket_seq')
);
