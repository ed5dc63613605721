-- Projects for real: a project made for a working directory remembers it (its git root, or
-- the directory itself outside any work tree); a project made by name has none.

ALTER TABLE projects ADD COLUMN path TEXT;
