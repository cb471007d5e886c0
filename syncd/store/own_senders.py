"""The From addresses of the mail in the user's sent folders: a small table kept by triggers
on ``messages``, read to learn the user's other addresses (``rules.people.Directory``)."""

from __future__ import annotations

import sqlite3

# A sent-folder label in a message's stored labels (a JSON list): IMAP's "\\Sent", Gmail's
# "SENT", Outlook's "sent" (LIKE ignores ASCII case).
OWN_SENDERS_SCHEMA = """
CREATE TABLE own_senders (address TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO own_senders
    SELECT lower(json_extract(sender, '$[0]')) FROM messages
    WHERE sender IS NOT NULL AND sender != 'null' AND labels LIKE '%sent"%';
CREATE TRIGGER own_senders_insert AFTER INSERT ON messages WHEN
    NEW.sender IS NOT NULL AND NEW.sender != 'null' AND NEW.labels LIKE '%sent"%'
BEGIN
    INSERT OR IGNORE INTO own_senders VALUES (lower(json_extract(NEW.sender, '$[0]')));
END;
CREATE TRIGGER own_senders_update AFTER UPDATE OF labels ON messages WHEN
    NEW.sender IS NOT NULL AND NEW.sender != 'null' AND NEW.labels LIKE '%sent"%'
BEGIN
    INSERT OR IGNORE INTO own_senders VALUES (lower(json_extract(NEW.sender, '$[0]')));
END;
"""


def own_senders(conn: sqlite3.Connection) -> list[str]:
    """Every address the user's sent folders hold mail from, sorted."""
    return [a for (a,) in conn.execute("SELECT address FROM own_senders ORDER BY address") if a]
