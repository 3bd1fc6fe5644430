-- name: bt
-- description: Backtrace of one task like crash's bt (default: the task that panicked); frames innermost first, exception frames marked
-- requires: stack_frames,tasks,panic
-- param: pid INTEGER default (SELECT pid FROM panic)
SELECT frame,
       sp,
       pc,
       symbol,
       module,
       CASE WHEN is_exception_frame THEN 'exception frame (pt_regs)' ELSE '' END AS note,
       method,
       error
FROM stack_frames
-- pid 0 is every CPU's idle task: for the panic's pid take the panic's task.
WHERE task = coalesce((SELECT task FROM panic WHERE pid = :pid),
                      (SELECT task FROM tasks WHERE pid = :pid ORDER BY cpu LIMIT 1))
ORDER BY frame;
