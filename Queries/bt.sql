-- name: bt
-- description: Backtrace of the task that panicked, like crash's bt: frames innermost first, exception frames marked
-- requires: stack_frames,sys
SELECT frame,
       kd_hex(sp) AS sp,
       symbol,
       module,
       CASE WHEN is_exception_frame THEN 'exception frame (pt_regs)' ELSE '' END AS note,
       method,
       error
FROM stack_frames
WHERE task = (SELECT panic_task FROM sys)
ORDER BY frame;
