-- Issue 11: a release named by version or tag without its product (`GET /releases/{version}`,
-- upgrades, the engines) is found through these indexes, not by walking every release of the
-- account (`releases_version` and `releases_tag` lead with the product).
CREATE INDEX releases_account_version ON releases (account_id, version);
CREATE INDEX releases_account_tag ON releases (account_id, tag) WHERE tag IS NOT NULL;
