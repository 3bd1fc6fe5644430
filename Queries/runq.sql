-- name: runq
-- description: Tasks running and queued on each CPU, like crash's runq (current task first, then by class)
-- requires: runqueues
SELECT cpu,
       CASE WHEN is_current THEN 'CURRENT' ELSE class END AS queue,
       pid,
       prio,
       comm,
       task
FROM runqueues;
