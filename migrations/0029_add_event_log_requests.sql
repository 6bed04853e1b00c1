-- Issue 8: the request that wrote an event (Keygen's `event_logs.request_log_id`, rendered as
-- `relationships.request` and filtered by `GET /event-logs?request=`). The request log's id is
-- the request's id (`X-Request-Id`), so the link holds even though the request log row is
-- written after the response. NULL for events of scheduled jobs and of events written before.
ALTER TABLE event_logs ADD COLUMN request_log_id TEXT;
CREATE INDEX event_logs_request ON event_logs (account_id, request_log_id) WHERE request_log_id IS NOT NULL;
