-- A lifecycle transaction that changed a user's clients only marks the user (presence_changed_at); the announcements
-- flow compares the user's presence with the row later, for many users at once (docs/announcements.md). Cheaper per
-- event than reading user_presence in every lifecycle transaction. Valid on MySQL 8 and MariaDB 10.11+.
ALTER TABLE presence_announcement
  ADD COLUMN presence_changed_at DATETIME(3) NULL
      COMMENT 'the latest commit that changed a client of this user and was not compared with this row yet',
  ADD KEY presence_announcement_changed (presence_changed_at);
