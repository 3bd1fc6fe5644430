-- name: blocked_in
-- description: Sleeping tasks grouped by the first function on their stack outside the scheduler and locking code (what /proc/PID/stack shows first)
-- requires: stack_frames,tasks
SELECT blocked_in,
       count(*) AS tasks,
       group_concat(DISTINCT comm) AS comms
FROM (SELECT s.task,
             t.comm,
             s.function AS blocked_in,
             row_number() OVER (PARTITION BY s.task ORDER BY s.frame) AS n
      FROM tasks t
      JOIN stack_frames s ON s.task = t.task
      WHERE s.cpu IS NULL AND NOT s.in_scheduler AND s.function IS NOT NULL)
WHERE n = 1
GROUP BY blocked_in
ORDER BY tasks DESC, blocked_in;
