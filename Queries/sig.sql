-- name: sig
-- description: Signal handling like crash's sig: every signal a process ignores, catches, blocks or has pending (all user processes, or one with --param pid=N)
-- requires: signals,tasks
-- param: pid INTEGER default (NULL)
SELECT s.pid,
       t.comm,
       s.signal,
       s.name,
       s.disposition,
       CASE WHEN s.handler > 1 THEN kd_hex(s.handler) END AS handler,
       printf('0x%x', s.flags) AS flags,
       s.blocked,
       s.pending,
       s.shared_pending
FROM signals s
JOIN tasks t ON t.task = s.task
WHERE (:pid IS NULL AND NOT t.is_kernel_thread OR s.pid = :pid)
  AND (s.disposition != 'default' OR s.blocked OR s.pending OR s.shared_pending)
ORDER BY s.pid, s.signal;
