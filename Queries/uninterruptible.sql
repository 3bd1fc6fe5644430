-- name: uninterruptible
-- description: Tasks in uninterruptible sleep (UN), the usual suspects in a hang
-- requires: tasks
SELECT pid, ppid, cpu, kd_hex(task) AS task, comm
FROM tasks
WHERE state = 'UN'
ORDER BY pid;
