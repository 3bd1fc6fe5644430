-- name: threads_per_process
-- description: User processes ordered by how many threads they have
-- requires: tasks
SELECT tgid AS pid,
       max(CASE WHEN is_group_leader THEN comm END) AS comm,
       count(*) AS threads
FROM tasks
WHERE NOT is_kernel_thread
GROUP BY tgid
ORDER BY threads DESC, pid;
