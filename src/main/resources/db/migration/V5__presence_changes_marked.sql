-- A lifecycle transaction that changed a user's clients only marks the user; the announcements flow compares the
-- user's presence with the row later, for many users at once (docs/announcements.md). Cheaper per event than reading
-- user_presence in every lifecycle transaction. marked_at, the first mark, orders the looks (a user who keeps changing
-- is not pushed back); presence_changed_at, the latest, starts the offline debounce. Also: the table's user ids
-- compare as the other tables' do (binary; V4 left it to the server's default, which may fold case).
-- Valid on MySQL 8 and MariaDB 10.11+.
ALTER TABLE presence_announcement CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE presence_announcement
  ADD COLUMN marked_at DATETIME(3) NULL
      COMMENT 'the first commit that changed a client of this user since the flow last compared this row',
  ADD COLUMN presence_changed_at DATETIME(3) NULL
      COMMENT 'the latest such commit',
  ADD KEY presence_announcement_marked (marked_at);
