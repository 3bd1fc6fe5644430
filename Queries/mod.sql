-- name: mod
-- description: Loaded modules like crash's mod, with their taint letters
-- requires: modules
SELECT module,
       name,
       base,
       size,
       state,
       taint,
       used_by
FROM modules;
