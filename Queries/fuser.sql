-- name: fuser
-- description: Processes using a file, like crash's fuser: its open descriptors (fd N), memory mappings (mmap), working (cwd) and root (root) directories (default path: the panicking process's first open file)
-- requires: files,vmas,fs,tasks,panic
-- param: path TEXT default (SELECT path FROM files WHERE pid = (SELECT tgid FROM tasks WHERE task = (SELECT task FROM panic)) ORDER BY fd LIMIT 1)
SELECT u.pid,
       t.task,
       t.comm,
       group_concat(u.usage, ',') AS usage
FROM (SELECT pid, 'fd ' || fd AS usage FROM files WHERE path = :path
      UNION ALL
      SELECT DISTINCT pid, 'mmap' FROM vmas WHERE path = :path
      UNION ALL
      SELECT pid, 'cwd' FROM fs WHERE cwd = :path
      UNION ALL
      SELECT pid, 'root' FROM fs WHERE root = :path) u
JOIN tasks t ON t.pid = u.pid
GROUP BY u.pid
ORDER BY u.pid;
