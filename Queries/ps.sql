-- name: ps
-- description: Process list like crash's ps; '>' marks the task running on each CPU
-- requires: tasks
SELECT CASE WHEN is_active THEN '>' ELSE '' END AS active,
       pid,
       ppid,
       cpu,
       kd_hex(task) AS task,
       state,
       mem_pct,
       vsz_kb,
       rss_kb,
       -- crash shows kernel threads in brackets.
       CASE WHEN is_kernel_thread THEN '[' || comm || ']' ELSE comm END AS comm
FROM tasks
ORDER BY pid, task;
