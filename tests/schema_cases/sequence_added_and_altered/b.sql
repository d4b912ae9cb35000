CREATE SEQUENCE job_ticket_seq INCREMENT BY 5 CACHE 10;
CREATE SEQUENCE export_batch_seq AS integer START WITH 1000 MAXVALUE 99999 CYCLE;
CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    ticket bigint NOT NULL DEFAULT nextval('job_ticket_seq')
);
