-- Each announcement carries its user's sequence number, increasing in the order the states were claimed for sending
-- (one more than the last, and at least the claim's time in milliseconds, so that it still increases for a user whose
-- row retention deleted), the same number when an announcement is sent again (a claim that ran out). A send stuck in the network can reach
-- SQS after the user's later state; a consumer that keeps, per user, the announcement of the highest sequence ends
-- with the latest state whatever the order of arrival (docs/announcements.md).
ALTER TABLE presence_announcement
  ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0
      COMMENT 'the sequence number of the user''s latest claimed announcement (0 before the first)',
  ADD COLUMN sending_sequence BIGINT NULL
      COMMENT 'the sequence number of the announcement being sent (with sending_online)';
