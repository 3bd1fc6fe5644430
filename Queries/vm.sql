-- name: vm
-- description: Memory map of one process like crash's vm (default: the process that panicked; kernel threads have none)
-- requires: vmas,tasks,panic
-- param: pid INTEGER default (SELECT tgid FROM tasks WHERE task = (SELECT task FROM panic))
SELECT vma,
       start,
       end,
       size_kb,
       perms,
       kind,
       path
FROM vmas
WHERE pid = :pid
ORDER BY start;
