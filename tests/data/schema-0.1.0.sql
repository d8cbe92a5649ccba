CREATE TABLE "crawl_runs" (
   "id" INTEGER PRIMARY KEY,
   "started" TEXT,
   "finished" TEXT,
   "status" TEXT,
   "spider" TEXT,
   "base_url" TEXT,
   "args" TEXT,
   "new" INTEGER,
   "changed" INTEGER,
   "unchanged" INTEGER,
   "not_modified" INTEGER,
   "removed" INTEGER,
   "partial" INTEGER,
   "rejected" INTEGER,
   "failed" INTEGER,
   "skipped" INTEGER,
   "requests" INTEGER,
   "bytes" INTEGER,
   "duration_s" REAL,
   "mode" TEXT,
   "health" TEXT,
   "message" TEXT
);
CREATE TABLE "articles" (
   "url" TEXT PRIMARY KEY,
   "fetched_url" TEXT,
   "area" TEXT NOT NULL,
   "title" TEXT,
   "description" TEXT,
   "published" TEXT,
   "body" TEXT,
   "status" TEXT,
   "missing" TEXT,
   "problems" TEXT,
   "found_by" TEXT,
   "images" TEXT,
   "generation" TEXT,
   "cms_id" TEXT,
   "content_hash" TEXT,
   "raw_html" BLOB,
   "http_status" INTEGER,
   "etag" TEXT,
   "last_modified" TEXT,
   "first_seen" TEXT,
   "last_seen" TEXT,
   "last_changed" TEXT,
   "versions" INTEGER,
   "removed_at" TEXT,
   "extractor_version" TEXT,
   "run_id" INTEGER
);
CREATE INDEX "idx_articles_published"
    ON "articles" ("published");
CREATE INDEX "idx_articles_last_seen"
    ON "articles" ("last_seen");
CREATE TABLE "versions" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT REFERENCES "articles"("url"),
   "version" INTEGER,
   "content_hash" TEXT,
   "title" TEXT,
   "description" TEXT,
   "published" TEXT,
   "body" TEXT,
   "status" TEXT,
   "first_seen" TEXT,
   "last_seen" TEXT,
   "run_id" INTEGER
);
CREATE UNIQUE INDEX "idx_versions_url_version"
    ON "versions" ("url", "version");
CREATE TABLE "failures" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT,
   "run_id" INTEGER,
   "kind" TEXT,
   "reason" TEXT,
   "http_status" INTEGER,
   "when" TEXT,
   "resolved_at" TEXT
);
CREATE INDEX "idx_failures_url"
    ON "failures" ("url");
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "description", "body",
    tokenize='porter',
    content="articles"
);
CREATE TABLE 'articles_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'articles_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE 'articles_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE 'articles_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "description", "body") VALUES (new.rowid, new."title", new."description", new."body");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "description", "body") VALUES('delete', old.rowid, old."title", old."description", old."body");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "description", "body") VALUES('delete', old.rowid, old."title", old."description", old."body");
  INSERT INTO "articles_fts" (rowid, "title", "description", "body") VALUES (new.rowid, new."title", new."description", new."body");
END;
