-- name: swap
-- description: Swap areas like crash's swap, and the processes with most memory swapped out
-- requires: swap_devices,mm,tasks
SELECT 'area' AS what, path AS name, size_kb, used_kb, round(used_kb * 100.0 / size_kb, 1) AS pct, priority
FROM swap_devices
UNION ALL
SELECT 'process', pid || ' ' || comm, NULL, swap_kb, NULL, NULL
FROM (SELECT m.pid, t.comm, m.swap_kb FROM mm m JOIN tasks t USING (pid) WHERE m.swap_kb > 0 ORDER BY m.swap_kb DESC LIMIT 10);
