-- name: foreach_bt
-- description: Backtrace of every task, like crash's foreach bt (one row per frame)
-- requires: stack_frames,tasks
SELECT t.pid,
       t.comm,
       s.cpu,
       s.frame,
       s.sp,
       s.symbol,
       s.module,
       s.error
FROM tasks t
JOIN stack_frames s ON s.task = t.task
ORDER BY t.pid, t.task, s.frame;
