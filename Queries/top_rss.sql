-- name: top_rss
-- description: The ten processes with the largest resident set
-- requires: tasks
-- Threads share their leader's mm, so count each process once.
SELECT pid, comm, rss_kb, vsz_kb, mem_pct
FROM tasks
WHERE is_group_leader AND NOT is_kernel_thread
ORDER BY rss_kb DESC, pid
LIMIT 10;
