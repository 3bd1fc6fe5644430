-- name: sys
-- description: System summary as crash's sys prints it (kernel, dump, uptime, load, memory, panic)
-- requires: sys
-- output: text
WITH s AS MATERIALIZED (SELECT * FROM sys),
     fields(k, label, value) AS (
       SELECT 1, 'KERNEL', kernel FROM s UNION ALL
       SELECT 2, 'DUMPFILE', dumpfile FROM s UNION ALL
       SELECT 3, 'CPUS', cpus FROM s UNION ALL
       SELECT 4, 'DATE', date FROM s UNION ALL
       SELECT 5, 'UPTIME', uptime FROM s UNION ALL
       SELECT 6, 'LOAD AVERAGE', printf('%.2f, %.2f, %.2f', load_average_1, load_average_5, load_average_15) FROM s UNION ALL
       SELECT 7, 'TASKS', tasks FROM s UNION ALL
       SELECT 8, 'NODENAME', nodename FROM s UNION ALL
       SELECT 9, 'RELEASE', release FROM s UNION ALL
       SELECT 10, 'VERSION', version FROM s UNION ALL
       SELECT 11, 'MACHINE', machine FROM s UNION ALL
       -- crash prints memory in the largest binary unit, one decimal when not whole.
       SELECT 12, 'MEMORY',
              CASE WHEN memory_bytes >= 1099511627776 THEN replace(printf('%.1f', memory_bytes / 1099511627776.0), '.0', '') || ' TB'
                   WHEN memory_bytes >= 1073741824 THEN replace(printf('%.1f', memory_bytes / 1073741824.0), '.0', '') || ' GB'
                   WHEN memory_bytes >= 1048576 THEN replace(printf('%.1f', memory_bytes / 1048576.0), '.0', '') || ' MB'
                   ELSE memory_bytes || ' B' END FROM s UNION ALL
       SELECT 13, 'PANIC', '"' || panic || '"' FROM s WHERE panic IS NOT NULL UNION ALL
       SELECT 14, 'PID', panic_pid FROM s WHERE panic IS NOT NULL UNION ALL
       SELECT 15, 'COMMAND', '"' || panic_comm || '"' FROM s WHERE panic IS NOT NULL UNION ALL
       SELECT 16, 'TASK', printf('%x', panic_task) FROM s WHERE panic IS NOT NULL UNION ALL
       SELECT 17, 'CPU', panic_cpu FROM s WHERE panic IS NOT NULL)
SELECT printf('%12s: %s', label, value) AS sys
FROM fields
WHERE value IS NOT NULL AND value != ''
ORDER BY k;
